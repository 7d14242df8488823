use super::use_auth;
use leptos::{
    either::{Either, EitherOf3},
    prelude::*,
};
use leptos_meta::Title;

/// Sets the HTTP status of a server-rendered page (a no-op in the browser).
fn set_status(_code: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(res), Ok(code)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        axum::http::StatusCode::from_u16(_code),
    ) {
        res.set_status(code);
    }
}

/// Renders `children` for a signed-in admin, a "not allowed" page (403) for anyone else.
/// The server functions behind the page check again: this only decides what to show.
#[component]
pub fn AdminOnly(children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    view! {
        <Transition fallback=|| view! { <main id="main" class="page"><p>"Loading…"</p></main> }>
            {
                let children = children.clone();
                move || {
                    let children = children.clone();
                    Suspend::new(async move {
                        match auth.user.await {
                            Ok(Some(user)) if user.is_admin => EitherOf3::A(children()),
                            Ok(Some(_)) => EitherOf3::B(view! { <NotAllowed/> }),
                            _ => EitherOf3::C(view! { <SignInPrompt/> }),
                        }
                    })
                }
            }
        </Transition>
    }
}

/// Renders `children` for any signed-in user.
#[component]
pub fn SignedInOnly(children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    view! {
        <Transition fallback=|| view! { <main id="main" class="page"><p>"Loading…"</p></main> }>
            {
                let children = children.clone();
                move || {
                    let children = children.clone();
                    Suspend::new(async move {
                        match auth.user.await {
                            Ok(Some(_)) => Either::Left(children()),
                            _ => Either::Right(view! { <SignInPrompt/> }),
                        }
                    })
                }
            }
        </Transition>
    }
}

#[component]
fn NotAllowed() -> impl IntoView {
    set_status(403);
    view! {
        <Title text="Not allowed"/>
        <main id="main" class="page narrow">
            <h1>"Not allowed"</h1>
            <p>"This page is for admins. If you need access, ask an admin of your helpdesk."</p>
            <p><a href="/">"Back to the home page"</a></p>
        </main>
    }
}

#[component]
fn SignInPrompt() -> impl IntoView {
    set_status(401);
    view! {
        <Title text="Please sign in"/>
        <main id="main" class="page narrow">
            <h1>"Please sign in"</h1>
            <p>"Your session has ended."</p>
            <p><a href="/login">"Sign in"</a></p>
        </main>
    }
}

#[component]
pub fn NotFoundPage() -> impl IntoView {
    set_status(404);
    view! {
        <Title text="Not found"/>
        <main id="main" class="page narrow">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address."</p>
            <p><a href="/">"Back to the home page"</a></p>
        </main>
    }
}
