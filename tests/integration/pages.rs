//! Server-rendered pages hand the browser each piece of their data exactly once.
//!
//! The hydrating browser creates a page's resources once and takes the data the server sent
//! under the same ids. When a page made its resources inside its `Guard`, the server made
//! them up to three times per render (Leptos re-runs a Suspense's children while it
//! collects what to wait for), ran every query that often, and now and then the first
//! copy, the one the browser reads, held the error of a dropped run: the page then failed
//! to hydrate.

use crate::common;
use helpdesk::lists::{NamedList, api::CreateListEntry};
use helpdesk::tickets::api::CreateTicket;

use common::spawn_app;
use helpdesk::users::model::Role;

/// The serialized resource values in a page (`__RESOLVED_RESOURCES[id] = "..."`).
fn resources(html: &str) -> Vec<&str> {
    html.split("__RESOLVED_RESOURCES[")
        .skip(1)
        .filter_map(|part| part.split_once("] = "))
        .map(|(_, value)| value.split("\";").next().unwrap_or(value))
        .collect()
}

#[tokio::test]
async fn each_page_sends_each_resource_once_and_none_failed() {
    let app = spawn_app().await;
    let admin = app.signed_in("boss", &[Role::Admin]).await;
    let dept = app
        .call(
            &admin,
            CreateListEntry {
                list: NamedList::Departments,
                name: "IT".into(),
            },
        )
        .await;
    assert!(dept.status.is_success(), "{}", dept.body);
    let filed = app
        .call_form::<CreateTicket>(
            &admin,
            &[
                ("request_type_id", "1"),
                ("department_id", "1"),
                ("subject", "Printer jam"),
                ("description", "Tray 2."),
                ("device_no", ""),
            ],
        )
        .await;
    assert!(filed.status.is_success(), "{}", filed.body);
    let number: String = serde_json::from_str(&filed.body).unwrap();
    let ticket = format!("/tickets/{number}");

    // Every page has the signed-in user and, for an admin, whether mail is failing (both
    // from the layout), and its own data.
    let pages: [(&str, usize); 10] = [
        ("/", 3),
        ("/dashboard", 3),
        ("/tickets", 4),
        ("/tickets/new", 3),
        (&ticket, 5),
        ("/admin/departments", 3),
        ("/admin/request-types", 3),
        ("/admin/users", 4),
        ("/admin/users/1", 4),
        ("/admin/mail", 8),
    ];
    // The duplicates depended on timing (most renders, not all): look a few times.
    for _ in 0..3 {
        for (path, count) in pages {
            let page = app.get(&admin, path).await;
            assert!(page.status.is_success(), "{path}: {}", page.status);
            let found = resources(&page.body);
            assert_eq!(found.len(), count, "{path} sent {found:#?}");
            assert!(
                found.iter().all(|v| !v.starts_with("\"{\\\"Err")),
                "{path} sent a failed resource: {found:#?}"
            );
        }
    }
}

/// The list's rows are written in its table; the data the page hands the browser names
/// them by number only (the browser keeps the server's rows when it hydrates). The tickets
/// in it too were 10.4 KB of an admin's 44 KB page.
#[tokio::test]
async fn the_list_sends_its_rows_once() {
    let app = spawn_app().await;
    let admin = app.signed_in("boss", &[Role::Admin]).await;
    let dept = app.add_department("IT").await;
    let number = app
        .file_ticket(&admin, &dept, "Toner smudges on every page")
        .await;

    let page = app.get(&admin, "/tickets").await;
    assert!(page.status.is_success(), "{}", page.status);
    let body = page.body.split("<tbody").nth(1).unwrap_or_default();
    assert!(
        body.contains("Toner smudges on every page"),
        "{}",
        page.body
    );
    let data = resources(&page.body).concat();
    assert!(data.contains(&number), "{data}");
    assert!(!data.contains("Toner smudges"), "{data}");
    assert_eq!(
        page.body.matches("Toner smudges on every page").count(),
        2,
        "the cell and its tooltip"
    );
}
