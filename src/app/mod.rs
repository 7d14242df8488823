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
    Lazy, LazyRoute, SsrMode,
    components::{Route, Router, Routes},
    lazy_route, path,
};

/// A route whose page's code is its own WASM chunk, loaded when first visited.
macro_rules! lazy_page {
    ($name:ident, $view:expr) => {
        struct $name;
        #[lazy_route]
        impl LazyRoute for $name {
            fn data() -> Self {
                $name
            }
            fn view(_this: Self) -> AnyView {
                $view.into_any()
            }
        }
    };
}

lazy_page!(DashboardRoute, view! { <DashboardPage/> });
lazy_page!(
    RequestTypesRoute,
    view! { <NamedListPage list=NamedList::RequestTypes/> }
);
lazy_page!(
    DepartmentsRoute,
    view! { <NamedListPage list=NamedList::Departments/> }
);
lazy_page!(ServiceLevelsRoute, view! { <ServiceLevelsPage/> });
lazy_page!(MailRoute, view! { <MailPage/> });
lazy_page!(RepliesRoute, view! { <RepliesPage/> });
lazy_page!(UsersRoute, view! { <UsersPage/> });
lazy_page!(EditUserRoute, view! { <EditUserPage/> });

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
                    <Route path=path!("/dashboard") view={Lazy::<DashboardRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/tickets") view=TicketsPage ssr=SsrMode::Async/>
                    // Before the :no route, so "new" is never taken for a ticket number.
                    <Route path=path!("/tickets/new") view=NewTicketPage ssr=SsrMode::Async/>
                    <Route path=path!("/tickets/:no") view=TicketPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/request-types") view={Lazy::<RequestTypesRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/departments") view={Lazy::<DepartmentsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/service-levels") view={Lazy::<ServiceLevelsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/mail") view={Lazy::<MailRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/replies") view={Lazy::<RepliesRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users") view={Lazy::<UsersRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users/:id") view={Lazy::<EditUserRoute>::new()} ssr=SsrMode::Async/>
                </Routes>
            </Layout>
        </Router>
    }
}

#[cfg(feature = "hydrate")]
thread_local! {
    /// Where the router is taking the page (its URL changes in the address bar only once
    /// the new page is ready).
    static HEADING_TO: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Notes where the router is taking the page, for `after_panic`.
fn follow_navigation(to: String) {
    #[cfg(feature = "hydrate")]
    HEADING_TO.with(|h| *h.borrow_mut() = Some(to));
    #[cfg(not(feature = "hydrate"))]
    let _ = to;
}

/// A lazy page's part of the WASM that cannot be loaded (a new release replaced the files
/// of the one this tab runs, or the network failed) panics in wasm_split's loader, which
/// leaves the app dead. Load the page the router was heading to in full instead: the
/// browser then gets the server's current release, as a page without JavaScript would.
#[cfg(feature = "hydrate")]
pub fn after_panic(info: &std::panic::PanicHookInfo) {
    // wasm_split_macros' message for a part that did not load.
    if !info.to_string().contains("load callback should succeed") {
        return;
    }
    let to = HEADING_TO.with(|h| h.borrow().clone());
    let location = window().location();
    let _ = match to {
        Some(to) => location.assign(&to),
        None => location.reload(),
    };
}

/// Sets `data-hydrated` on `<html>` (see `App`).
fn mark_hydrated() {
    #[cfg(feature = "hydrate")]
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("data-hydrated", "");
    }
}
