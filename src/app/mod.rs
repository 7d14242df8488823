//! The HTML shell, the frame around every page and the route table: the top of the app,
//! which every feature's pages hang from and none imports.

mod layout;

use crate::{
    auth::pages::LoginPage,
    components::NotFoundPage,
    dashboard::pages::DashboardPage,
    lists::{NamedList, pages::NamedListPage},
    mail::pages::{MailChoicesCard, MailChoicesState, MailPage},
    replies::pages::RepliesPage,
    tickets::{
        pages::{HomePage, NewTicketPage, TicketPage, TicketsPage},
        sla::pages::ServiceLevelsPage,
    },
    users::{
        account::AccountPage,
        pages::{EditUserPage, UsersPage},
    },
};
use layout::Layout;
use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

/// Adds the hydration scripts kept in `<template id="hydration">` once the page is loaded
/// and the browser idle (cloned template scripts run when inserted).
const LATE_HYDRATION: &str = r#"addEventListener("load", () => {
  const go = () => document.head.append(document.getElementById("hydration").content.cloneNode(true));
  if ("requestIdleCallback" in window) requestIdleCallback(go, { timeout: 2000 }); else setTimeout(go);
});"#;

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                // Linked by its versioned name, like the JS and WASM (see server/site.rs).
                <HashedStylesheet options=options.clone()/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                // The hydration scripts and their preload hints wait in a template until the
                // page has loaded and the browser is idle, so the WASM downloads after the
                // first paint instead of beside it (Lighthouse counted its download in the
                // LCP: 2.7 s, where Chromium painted at 0.14 s). Pages work before that:
                // plain forms and links.
                <template id="hydration"><HydrationScripts options/></template>
                <script>{LATE_HYDRATION}</script>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser, once the page is hydrated: the end-to-end tests wait
    // for this mark instead of guessing from network quiet.
    Effect::new(mark_hydrated);
    view! {
        <Title formatter=|page: String| format!("{page} · Helpdesk")/>
        <Router>
            <Layout>
                // Async: the status (403/404) and all data are known before the first byte.
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/account") view=|| {
                        let mail = MailChoicesState::new();
                        view! { <AccountPage more=ViewFn::from(move || view! { <MailChoicesCard state=mail/> })/> }
                    } ssr=SsrMode::Async/>
                    <Route path=path!("/dashboard") view=DashboardPage ssr=SsrMode::Async/>
                    <Route path=path!("/tickets") view=TicketsPage ssr=SsrMode::Async/>
                    // Before the :no route, so "new" is never taken for a ticket number.
                    <Route path=path!("/tickets/new") view=NewTicketPage ssr=SsrMode::Async/>
                    <Route path=path!("/tickets/:no") view=TicketPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/request-types") view=|| view! { <NamedListPage list=NamedList::RequestTypes/> } ssr=SsrMode::Async/>
                    <Route path=path!("/admin/departments") view=|| view! { <NamedListPage list=NamedList::Departments/> } ssr=SsrMode::Async/>
                    <Route path=path!("/admin/service-levels") view=ServiceLevelsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/mail") view=MailPage ssr=SsrMode::Async/>
                    <Route path=path!("/replies") view=RepliesPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users") view=UsersPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users/:id") view=EditUserPage ssr=SsrMode::Async/>
                </Routes>
            </Layout>
        </Router>
    }
}

/// Sets `data-hydrated` on `<html>` (see `App`).
fn mark_hydrated() {
    #[cfg(feature = "hydrate")]
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("data-hydrated", "");
    }
}
