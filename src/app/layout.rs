//! The frame around every page: skip link, header with navigation and the signed-in user.

use crate::{
    auth::{Auth, api::Logout, model::CurrentUser, provide_auth, still_rendering},
    components::{Avatar, ShortcutHelp, past_dry_runs, provide_clock},
    live::{Live, LiveIndicator, provide_live},
    mail::pages::{MailBanner, mail_trouble_for},
};
use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// The frame around every page: skip link, header with navigation and the signed-in user.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let Auth { logout, user } = provide_auth();
    provide_clock();
    // Taken now, while the router is surely there: the menu is built after an await, when
    // a dropped request may already have taken the router's context away (router hooks
    // then panic: "use_resolved_path outside a <Router>").
    let location = use_location();
    let path = location.pathname;
    Effect::new(move || {
        let (path, query, hash) = (path.get(), location.search.get(), location.hash.get());
        super::follow_navigation(if query.is_empty() {
            format!("{path}{hash}")
        } else {
            format!("{path}?{query}{hash}")
        });
    });
    let live = provide_live(Signal::derive(move || {
        matches!(user.try_get().flatten(), Some(Ok(Some(_))))
    }));
    let mail_trouble = mail_trouble_for(user);

    view! {
        // rel=external: the client-side router would otherwise swallow the in-page jump, and
        // the browser must move keyboard focus into <main> (focusable via tabindex=-1).
        <a class="skip-link" href="#main" rel="external">"Skip to main content"</a>
        <header class="topbar">
            <div class="topbar-inner">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true">"◆"</span>
                    "Helpdesk"
                </a>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let user = user.await.ok().flatten();
                        past_dry_runs().await;
                        user.filter(|_| still_rendering())
                            .map(|user| view! { <UserNav user logout path live/> })
                    })}
                </Transition>
            </div>
        </header>
        <MailBanner trouble=mail_trouble/>
        {children()}
        <ShortcutHelp enabled=Signal::derive(move || {
            user.get().and_then(Result::ok).flatten().is_some_and(|u| u.shortcuts)
        })/>
    }
}

/// A menu link, marked as the current page where the path is `href` (or below it, unless
/// `exact`). A plain link: the router still handles its clicks, and reading the location
/// with `try_get` cannot panic in a render whose request is gone.
#[component]
fn NavLink(
    path: Memo<String>,
    href: &'static str,
    #[prop(optional)] exact: bool,
    children: Children,
) -> impl IntoView {
    let current = move || {
        path.try_get()
            .is_some_and(|at| at == href || (!exact && at.starts_with(&format!("{href}/"))))
    };
    view! { <a href=href aria-current=move || current().then_some("page")>{children()}</a> }
}

/// The administration pages, under one "Admin" entry so the header stays one line (it
/// wrapped at 1280 px with seven links). A `<details>` disclosure: it opens and closes by
/// keyboard and without JavaScript; it closes again when a page is chosen.
#[component]
fn AdminMenu(path: Memo<String>) -> impl IntoView {
    let menu = NodeRef::<leptos::html::Details>::new();
    Effect::new(move || {
        path.track();
        if let Some(menu) = menu.get_untracked() {
            menu.set_open(false);
        }
    });
    let inside = move || path.try_get().is_some_and(|at| at.starts_with("/admin/"));
    view! {
        <details class="navmenu" node_ref=menu>
            <summary class:current=inside>"Admin"</summary>
            <ul>
                <li><NavLink path href="/admin/users">"Users"</NavLink></li>
                <li><NavLink path href="/admin/departments">"Departments"</NavLink></li>
                <li><NavLink path href="/admin/request-types">"Request types"</NavLink></li>
                <li><NavLink path href="/admin/service-levels">"Service levels"</NavLink></li>
                <li><NavLink path href="/admin/mail">"Mail"</NavLink></li>
            </ul>
        </details>
    }
}

#[component]
fn UserNav(
    user: CurrentUser,
    logout: ServerAction<Logout>,
    path: Memo<String>,
    live: Live,
) -> impl IntoView {
    view! {
        <nav class="mainnav" aria-label="Main">
            <NavLink path href="/" exact=true>"Home"</NavLink>
            <NavLink path href="/tickets" exact=true>
                {if user.is_staff { "Tickets" } else { "My tickets" }}
            </NavLink>
            <NavLink path href="/tickets/new">"New ticket"</NavLink>
            {user.is_staff.then(|| view! { <NavLink path href="/replies">"Saved replies"</NavLink> })}
            {user.is_admin.then(|| view! {
                <NavLink path href="/dashboard">"Dashboard"</NavLink>
                <AdminMenu path/>
            })}
        </nav>
        <div class="me">
            <LiveIndicator live/>
            <Avatar name=user.username.clone() url=user.avatar_url.clone()/>
            <a class="me-name" href="/account">
                {user.username.clone()}<span class="visually-hidden">" (my account)"</span>
            </a>
            <ActionForm action=logout>
                <button type="submit" class="btn btn-quiet">"Sign out"</button>
            </ActionForm>
        </div>
    }
}
