//! The authorization matrix: every server function, called over the real router by an
//! anonymous visitor, a deactivated user, another user, the owner of the ticket involved,
//! an agent and an admin, with the outcome each must get. A server function without a row
//! fails.

use crate::common;

use common::{TestApp, spawn_app};
use helpdesk::mail::api::{
    GetInboundSettings, GetMailOverview, GetMyMail, MailInbound, MailOutbox, MailTrouble,
    RetryMail, SaveInboundSettings, SendTestMail, SetMyMail, SwitchMail,
};
use helpdesk::{
    auth::api::{Login, Logout, MyAccount, NeedsSetup, SignOutEverywhere, WhoAmI},
    dashboard::api::LoadDashboard,
    lists::api::{CreateListEntry, DeleteListEntry, ListEntries, RenameListEntry},
    replies::api::{CreateSavedReply, DeleteSavedReply, SavedReplies, UpdateSavedReply},
    tickets::api::{
        AddComment, BulkTriage, CreateTicket, GetTicket, ListTickets, MyTicketCounts,
        SetTicketAssignee, SetTicketDepartment, SetTicketPriority, SetTicketStatus,
        SuggestAssignees, TicketChoices, TicketHistory,
    },
    tickets::sla::api::{GetServiceLevels, SaveBusinessHours, SaveSlaPolicies},
    users::{
        api::{
            ChangePassword, CreateUser, GetUser, ListUsers, SetMyAvatar, SetMyPreferences,
            SetUserStatus, SuggestUsers, UpdateUser,
        },
        model::Role,
    },
};
use leptos::server_fn::ServerFn;
use reqwest::{Client, StatusCode};
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Caller {
    Anonymous,
    Deactivated,
    Other,
    Owner,
    Agent,
    Admin,
}

/// Who may call a function.
#[derive(Clone, Copy, Debug)]
enum Rule {
    /// Anyone, signed in or not (signing in, out, "who am I").
    Anyone,
    /// Any signed-in, active user.
    SignedIn,
    /// The ticket's requester and staff; anyone else is told it does not exist.
    TicketOwner,
    /// Staff: active agents and admins.
    Staff,
    /// Active admins only.
    AdminOnly,
}

/// What `caller` must get from a function under `rule`: Some(status) for a refusal, None
/// for "allowed" (an answer that is not a refusal: 2xx, or 404/409/422 about the input).
fn expected(rule: Rule, caller: Caller) -> Option<StatusCode> {
    use Caller::*;
    match (rule, caller) {
        (Rule::Anyone, _) => None,
        (_, Anonymous | Deactivated) => Some(StatusCode::UNAUTHORIZED),
        (Rule::SignedIn, _) => None,
        (Rule::TicketOwner, Other) => Some(StatusCode::NOT_FOUND),
        (Rule::TicketOwner, _) => None,
        (Rule::Staff, Agent | Admin) => None,
        (Rule::Staff, _) => Some(StatusCode::FORBIDDEN),
        (Rule::AdminOnly, Admin) => None,
        (Rule::AdminOnly, _) => Some(StatusCode::FORBIDDEN),
    }
}

type Args = Vec<(&'static str, String)>;

/// Every server function: its rule and arguments that succeed for a caller it allows
/// (`tag` keeps names unique per caller). Functions that end the caller's session come last.
fn matrix(fx: &Fixture, tag: &str) -> Vec<(&'static str, Rule, Args)> {
    let s = |v: &str| v.to_string();
    let no = fx.ticket.clone();
    let departments = || ("list", s("departments"));
    let request_types = || ("list", s("request_types"));
    vec![
        (WhoAmI::PATH, Rule::Anyone, vec![]),
        (NeedsSetup::PATH, Rule::Anyone, vec![]),
        (
            Login::PATH,
            Rule::Anyone,
            vec![("username", s("nobody")), ("password", s("wrong-password"))],
        ),
        (MyAccount::PATH, Rule::SignedIn, vec![]),
        (
            SetMyAvatar::PATH,
            Rule::SignedIn,
            vec![("avatar_url", s("https://example.com/a.png"))],
        ),
        (
            // Wrong on purpose: allowed callers get 422, and no password changes.
            ChangePassword::PATH,
            Rule::SignedIn,
            vec![
                ("current_password", s("not-the-password")),
                ("new_password", s("new-password-1")),
                ("confirm_password", s("new-password-1")),
            ],
        ),
        (TicketChoices::PATH, Rule::SignedIn, vec![]),
        (
            CreateTicket::PATH,
            Rule::SignedIn,
            vec![
                ("request_type_id", s("1")),
                ("department_id", fx.dept.clone()),
                ("subject", format!("Filed by {tag}")),
                ("description", s("A description")),
                ("device_no", s("")),
            ],
        ),
        (ListTickets::PATH, Rule::SignedIn, vec![]), // JSON body, see `send`
        (
            GetTicket::PATH,
            Rule::TicketOwner,
            vec![("service_request_no", no.clone())],
        ),
        (
            TicketHistory::PATH,
            Rule::TicketOwner,
            vec![("service_request_no", no.clone())],
        ),
        (
            AddComment::PATH,
            Rule::TicketOwner,
            vec![
                ("service_request_no", no.clone()),
                ("comment_text", format!("A comment by {tag}")),
                ("device_no", s("")),
            ],
        ),
        (
            SetTicketStatus::PATH,
            Rule::Staff,
            vec![("service_request_no", no.clone()), ("status", s("ongoing"))],
        ),
        (
            SetTicketDepartment::PATH,
            Rule::Staff,
            vec![
                ("service_request_no", no.clone()),
                ("department_id", fx.dept.clone()),
            ],
        ),
        (
            SetTicketAssignee::PATH,
            Rule::Staff,
            vec![("service_request_no", no.clone()), ("assignee", s("me"))],
        ),
        (
            SetTicketPriority::PATH,
            Rule::Staff,
            vec![("service_request_no", no.clone()), ("priority", s("high"))],
        ),
        (
            BulkTriage::PATH,
            Rule::Staff,
            vec![("ticket[]", no.clone()), ("priority", s("low"))],
        ),
        (
            SuggestAssignees::PATH,
            Rule::Staff,
            vec![("prefix", s("a"))],
        ),
        (ListEntries::PATH, Rule::AdminOnly, vec![departments()]),
        (
            CreateListEntry::PATH,
            Rule::AdminOnly,
            vec![departments(), ("name", format!("Dept {tag}"))],
        ),
        (
            RenameListEntry::PATH,
            Rule::AdminOnly,
            vec![
                departments(),
                ("id", fx.spare_dept.clone()),
                ("name", format!("Renamed {tag}")),
            ],
        ),
        (
            DeleteListEntry::PATH,
            Rule::AdminOnly,
            vec![request_types(), ("id", s("999999"))],
        ),
        (ListUsers::PATH, Rule::AdminOnly, vec![]),
        (LoadDashboard::PATH, Rule::AdminOnly, vec![]),
        (GetServiceLevels::PATH, Rule::AdminOnly, vec![]),
        (SavedReplies::PATH, Rule::Staff, vec![]),
        (
            CreateSavedReply::PATH,
            Rule::Staff,
            vec![("name", s("Thanks")), ("body", s("Thanks, {requester}."))],
        ),
        (
            UpdateSavedReply::PATH,
            Rule::Staff,
            vec![
                ("id", s("1")),
                ("name", s("Thanks")),
                ("body", s("Thank you.")),
            ],
        ),
        (DeleteSavedReply::PATH, Rule::Staff, vec![("id", s("1"))]),
        (
            SaveSlaPolicies::PATH,
            Rule::AdminOnly,
            ["urgent", "high", "normal", "low"]
                .iter()
                .flat_map(|p| {
                    [
                        (format!("{p}_first"), s("2")),
                        (format!("{p}_first_unit"), s("hours")),
                        (format!("{p}_resolution"), s("2")),
                        (format!("{p}_resolution_unit"), s("days")),
                    ]
                })
                .map(|(k, v)| (&*k.leak(), v))
                .collect(),
        ),
        (
            SaveBusinessHours::PATH,
            Rule::AdminOnly,
            vec![
                ("zone", s("Europe/Berlin")),
                ("mon", s("09:00-17:00")),
                ("tue", s("")),
                ("wed", s("")),
                ("thu", s("")),
                ("fri", s("")),
                ("sat", s("")),
                ("sun", s("")),
                ("holidays", s("")),
            ],
        ),
        (MyTicketCounts::PATH, Rule::SignedIn, vec![]),
        (
            SetMyPreferences::PATH,
            Rule::SignedIn,
            vec![("shortcuts", s("on")), ("density", s("compact"))],
        ),
        (
            SuggestUsers::PATH,
            Rule::AdminOnly,
            vec![("prefix", s("ow"))],
        ),
        (
            GetUser::PATH,
            Rule::AdminOnly,
            vec![("id", fx.other_id.clone())],
        ),
        (
            CreateUser::PATH,
            Rule::AdminOnly,
            vec![
                ("username", format!("new-{tag}").to_lowercase()),
                ("email", format!("new-{tag}@example.com").to_lowercase()),
                ("password", s("newbie-password")),
                ("avatar_url", s("")),
                ("department_id", s("")),
                ("role_user", s("on")),
                ("status", s("active")),
            ],
        ),
        (
            UpdateUser::PATH,
            Rule::AdminOnly,
            vec![
                ("id", fx.other_id.clone()),
                ("username", s("other")),
                ("email", s("other@example.org")),
                ("new_password", s("")),
                ("avatar_url", s("")),
                ("department_id", s("")),
                ("role_user", s("on")),
                ("status", s("active")),
            ],
        ),
        (
            SetUserStatus::PATH,
            Rule::AdminOnly,
            vec![("id", fx.other_id.clone()), ("status", s("active"))],
        ),
        (GetMyMail::PATH, Rule::SignedIn, vec![]),
        (SetMyMail::PATH, Rule::SignedIn, vec![("status", s("on"))]),
        (GetMailOverview::PATH, Rule::AdminOnly, vec![]),
        (MailTrouble::PATH, Rule::AdminOnly, vec![]),
        (
            MailOutbox::PATH,
            Rule::AdminOnly,
            vec![("state", s("failed"))],
        ),
        (RetryMail::PATH, Rule::AdminOnly, vec![]),
        (SendTestMail::PATH, Rule::AdminOnly, vec![]),
        (SwitchMail::PATH, Rule::AdminOnly, vec![("off", s("false"))]),
        (MailInbound::PATH, Rule::AdminOnly, vec![]),
        (GetInboundSettings::PATH, Rule::AdminOnly, vec![]),
        (
            SaveInboundSettings::PATH,
            Rule::AdminOnly,
            vec![("unknown_senders", s("refuse"))],
        ),
        // Last: these end sessions.
        (Logout::PATH, Rule::Anyone, vec![]),
        (SignOutEverywhere::PATH, Rule::SignedIn, vec![]),
    ]
}

/// Functions that end the caller's session: each allowed caller calls them on a session of
/// its own, so the shared one keeps working for the rows after.
const ENDS_SESSION: [&str; 2] = [Logout::PATH, SignOutEverywhere::PATH];

struct Fixture {
    dept: String,
    spare_dept: String,
    ticket: String,
    other_id: String,
}

async fn send(app: &TestApp, client: &Client, name: &str, args: &Args) -> common::Reply {
    if name == ListTickets::PATH {
        let everything = ListTickets {
            filter: Default::default(),
            page: Default::default(),
            per_page: None,
        };
        return app.call_json(client, everything).await;
    }
    let form: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.call_at(client, name, &form).await
}

#[tokio::test]
async fn every_server_function_answers_each_kind_of_caller_as_the_matrix_says() {
    let app = spawn_app().await;
    let admin = app.signed_in("boss", &[Role::Admin]).await;
    let owner = app.signed_in("owner", &[Role::User]).await;
    let other = app.signed_in("other", &[Role::User]).await;
    let gone = app.signed_in("gone", &[Role::User]).await;
    let agent = app.signed_in("agent", &[Role::Agent]).await;
    app.deactivate(&admin, "gone").await;
    let fx = Fixture {
        dept: app.add_department("IT").await,
        spare_dept: app.add_department("Spare").await,
        ticket: String::new(),
        other_id: app.user_id("other").await,
    };
    let filed = app
        .call_form::<CreateTicket>(
            &owner,
            &[
                ("request_type_id", "1"),
                ("department_id", &fx.dept),
                ("subject", "The owner's ticket"),
                ("description", "Only the owner and admins see this"),
                ("device_no", ""),
            ],
        )
        .await;
    assert_eq!(filed.status, StatusCode::OK, "{}", filed.body);
    let fx = Fixture {
        ticket: serde_json::from_str(&filed.body).unwrap(),
        ..fx
    };

    // Every registered server function has a row, and every row is a real function.
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_string())
        .collect();
    let rows: BTreeSet<String> = matrix(&fx, "x")
        .iter()
        .map(|(n, ..)| n.to_string())
        .collect();
    assert_eq!(
        registered, rows,
        "a server function without its row (or a row without one)"
    );

    let callers = [
        (Caller::Anonymous, app.client(), None),
        (Caller::Deactivated, gone, None),
        (Caller::Other, other, Some("other")),
        (Caller::Owner, owner, Some("owner")),
        (Caller::Agent, agent, Some("agent")),
        (Caller::Admin, admin, Some("boss")),
    ];
    let mut wrong = Vec::new();
    for (name, rule, _) in matrix(&fx, "x") {
        for (caller, client, username) in &callers {
            let tag = format!("{caller:?}");
            let args = matrix(&fx, &tag)
                .into_iter()
                .find(|(n, ..)| *n == name)
                .unwrap()
                .2;
            let client = match username {
                Some(username) if ENDS_SESSION.contains(&name) => {
                    let fresh = app.client();
                    let reply = app.login(&fresh, username, "password-123").await;
                    assert!(reply.status.is_success(), "{}", reply.body);
                    fresh
                }
                _ => client.clone(),
            };
            let reply = send(&app, &client, name, &args).await;
            let ok = match expected(rule, *caller) {
                Some(refusal) => reply.status == refusal,
                None => {
                    !matches!(
                        reply.status,
                        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
                    ) && !reply.status.is_server_error()
                        && (reply.status.is_success()
                            || name.contains("/delete_")
                            // Reply 1 is one caller's own: "not found" for the others.
                            || name == UpdateSavedReply::PATH
                            // No smtp_url here: "mail is not set up" (422).
                            || name == SendTestMail::PATH
                            || [Login::PATH, ChangePassword::PATH].contains(&name))
                }
            };
            if !ok {
                wrong.push(format!(
                    "{name} as {caller:?}: got {} (expected {:?}): {:.120}",
                    reply.status,
                    expected(rule, *caller),
                    reply.body
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
