use super::Avatar;
use crate::{
    auth::{
        api::{Logout, who_am_i},
        model::CurrentUser,
    },
    error::AppError,
    live::{LiveIndicator, provide_live},
};
use leptos::prelude::*;
use leptos_router::components::A;

/// Sign-in state for every page: who is signed in, and the sign-out action. (The sign-in
/// action lives in the login page: a no-JavaScript error comes back in the URL, and Leptos
/// hands it only to actions created inside `<Routes>`.)
#[derive(Clone, Copy)]
pub struct Auth {
    pub logout: ServerAction<Logout>,
    pub user: Resource<Result<Option<CurrentUser>, AppError>>,
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

/// False once the request a server render belongs to is gone (the browser left mid-page):
/// its owner tree is disposed, and a component built after an await would then panic on a
/// missing context. Check it after awaiting, before building children.
pub fn still_rendering() -> bool {
    use_context::<Auth>().is_some()
}

/// The frame around every page: skip link, header with navigation and the signed-in user.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    let user = Resource::new(move || logout.version().get(), |_| who_am_i());
    provide_context(Auth { logout, user });
    provide_live(Signal::derive(move || {
        matches!(user.get(), Some(Ok(Some(_))))
    }));

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
                        user.filter(|_| still_rendering())
                            .map(|user| view! { <UserNav user logout/> })
                    })}
                </Transition>
            </div>
        </header>
        {children()}
    }
}

#[component]
fn UserNav(user: CurrentUser, logout: ServerAction<Logout>) -> impl IntoView {
    view! {
        <nav class="mainnav" aria-label="Main">
            <A href="/" exact=true>"Home"</A>
            <A href="/tickets" exact=true>{if user.is_admin { "Tickets" } else { "My tickets" }}</A>
            <A href="/tickets/new">"New ticket"</A>
            {user.is_admin.then(|| view! {
                <A href="/admin/users">"Users"</A>
                <A href="/admin/departments">"Departments"</A>
                <A href="/admin/request-types">"Request types"</A>
            })}
        </nav>
        <div class="me">
            <LiveIndicator/>
            <Avatar name=user.username.clone() url=user.avatar_url.clone()/>
            <span class="me-name">{user.username.clone()}</span>
            <ActionForm action=logout>
                <button type="submit" class="btn btn-quiet">"Sign out"</button>
            </ActionForm>
        </div>
    }
}
