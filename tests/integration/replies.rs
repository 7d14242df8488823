//! Saved replies over HTTP: each member of staff sees the team's and their own; admins
//! manage the team's; bad input is refused by field and stores nothing.

use crate::common;
use helpdesk::replies::api::{CreateSavedReply, DeleteSavedReply, SavedReplies, UpdateSavedReply};

use common::{Reply, TestApp, spawn_app};
use helpdesk::users::model::Role;
use reqwest::{Client, StatusCode};
use serde_json::Value;

async fn names(app: &TestApp, client: &Client) -> Vec<String> {
    let reply = app.call_form::<SavedReplies>(client, &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let list: Value = serde_json::from_str(&reply.body).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect()
}

async fn create(app: &TestApp, client: &Client, name: &str, body: &str, shared: bool) -> Reply {
    let mut form = vec![("name", name), ("body", body)];
    if shared {
        form.push(("shared", "on"));
    }
    app.call_form::<CreateSavedReply>(client, &form).await
}

#[tokio::test]
async fn staff_keep_their_own_replies_and_share_the_teams() {
    let app = spawn_app().await;
    let admin = app.signed_in("boss", &[Role::Admin]).await;
    let aga = app.signed_in("aga", &[Role::Agent]).await;
    let max = app.signed_in("max", &[Role::Agent]).await;
    let ann = app.signed_in("ann", &[Role::User]).await;

    let reply = create(
        &app,
        &admin,
        "Welcome",
        "Hello {requester}, we have {ticket}.",
        true,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let team: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(team["shared"], true);
    let reply = create(&app, &aga, "My sign-off", "Cheers, {agent}", false).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let own: Value = serde_json::from_str(&reply.body).unwrap();

    assert_eq!(names(&app, &aga).await, ["My sign-off", "Welcome"]);
    assert_eq!(
        names(&app, &max).await,
        ["Welcome"],
        "another agent's are not shown"
    );
    // An agent may not make or change the team's, nor see or delete another's.
    assert_eq!(
        create(&app, &aga, "Ours", "x", true).await.status,
        StatusCode::FORBIDDEN
    );
    let team_id = team["id"].to_string();
    let reply = app
        .call_form::<UpdateSavedReply>(&aga, &[("id", &team_id), ("name", "Hi"), ("body", "Hi")])
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let own_id = own["id"].to_string();
    let reply = app
        .call_form::<DeleteSavedReply>(&max, &[("id", &own_id)])
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    // A requester has none of it.
    let reply = app.call_form::<SavedReplies>(&ann, &[]).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);

    // Bad input, by field; nothing stored.
    let megabyte = "x".repeat(1_000_000);
    for (name, body, field) in [
        ("", "text", "name"),
        ("Big", megabyte.as_str(), "body"),
        ("Welcome", "again", "name"),
    ] {
        let reply = create(&app, &admin, name, body, true).await;
        assert!(reply.status.is_client_error(), "{}", reply.status);
        assert!(
            reply.body.contains(&format!("\"{field}\"")),
            "{}",
            reply.body
        );
    }
    assert_eq!(names(&app, &admin).await, ["Welcome"]);

    // Their own, changed and deleted.
    let reply = app
        .call_form::<UpdateSavedReply>(
            &aga,
            &[
                ("id", &own_id),
                ("name", "Sign-off"),
                ("body", "Best, {agent}"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(names(&app, &aga).await, ["Sign-off", "Welcome"]);
    let reply = app
        .call_form::<DeleteSavedReply>(&aga, &[("id", &own_id)])
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(names(&app, &aga).await, ["Welcome"]);
}

#[tokio::test]
async fn each_person_keeps_their_own_preferences() {
    use helpdesk::auth::api::WhoAmI;
    use helpdesk::users::api::SetMyPreferences;
    let app = spawn_app().await;
    let aga = app.signed_in("aga", &[Role::Agent]).await;
    let ann = app.signed_in("ann", &[Role::User]).await;
    let me = |client: &Client| {
        let (app, client) = (&app, client.clone());
        async move {
            let reply = app.call_form::<WhoAmI>(&client, &[]).await;
            let user: Value = serde_json::from_str(&reply.body).unwrap();
            (user["shortcuts"].as_bool(), user["compact"].as_bool())
        }
    };
    assert_eq!(
        me(&aga).await,
        (Some(true), Some(false)),
        "shortcuts on, comfortable"
    );
    let reply = app
        .call_form::<SetMyPreferences>(&aga, &[("density", "tiny")])
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("\"density\""), "{}", reply.body);
    assert_eq!(me(&aga).await, (Some(true), Some(false)), "nothing stored");
    // The box left unticked turns shortcuts off; the next request already knows.
    let reply = app
        .call_form::<SetMyPreferences>(&aga, &[("density", "compact")])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(me(&aga).await, (Some(false), Some(true)));
    assert_eq!(
        me(&ann).await,
        (Some(true), Some(false)),
        "someone else's are their own"
    );
}
