//! What an operator and a browser's security checks see: health endpoints, headers, limits.

use crate::common;

use common::spawn_app;
use leptos::server_fn::ServerFn;
use reqwest::StatusCode;

#[tokio::test]
async fn health_and_readiness_answer_without_signing_in() {
    let app = spawn_app().await;
    let client = app.client();
    let health = app.get(&client, "/healthz").await;
    assert_eq!(
        (health.status, health.body.as_str()),
        (StatusCode::OK, "ok")
    );
    let ready = app.get(&client, "/readyz").await;
    assert_eq!(
        (ready.status, ready.body.as_str()),
        (StatusCode::OK, "ready")
    );
    // A database behind on migrations is not ready.
    sqlx::query(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let ready = app.get(&client, "/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(ready.body.contains("migrations applied"), "{}", ready.body);
    app.pool.close().await;
    let ready = app.get(&client, "/readyz").await;
    assert_eq!(
        (ready.status, ready.body.as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    );
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    let client = app.client();
    for path in [
        "/login",
        "/healthz",
        helpdesk::auth::api::WhoAmI::PATH,
        "/favicon.svg",
        "/no/such/page",
    ] {
        let res = client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("'wasm-unsafe-eval'"),
            "{path}: {csp}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
    }
}

#[tokio::test]
async fn oversized_requests_are_refused() {
    let app = spawn_app().await;
    let big = "x".repeat(helpdesk::server::router::BODY_LIMIT + 1);
    let res = app
        .client()
        .post(format!("{}/api/login", app.base))
        .header("accept", "application/json")
        .form(&[("username", big.as_str()), ("password", "p")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
}
