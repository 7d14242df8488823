use super::{layout::still_rendering, use_auth};
use leptos::{either::Either, prelude::*};
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

/// Renders `children` for a signed-in user (an admin, with `admin`); anyone else gets a
/// "not allowed" page (403) or a "please sign in" page (401). The server functions behind the
/// page check again: this only decides what to show.
///
/// Make a page's resources *before* its `<Guard>` and pass them in, never inside `children`:
/// while rendering on the server, Leptos re-runs a Suspense's children closure (its
/// `dry_resolve` walk) up to three times, and each run would create the resources again
/// under new ids. The hydrating browser creates them once and takes the first ids' data,
/// which may be a dropped run's (its server function failed once its owner was gone):
/// the page then failed to hydrate (about one load in 40), and the server ran every query
/// up to three times.
#[component]
pub fn Guard(#[prop(optional)] admin: bool, children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    view! {
        <Transition fallback=|| view! { <main id="main" tabindex="-1" class="page"><p>"Loading…"</p></main> }>
            {
                let children = children.clone();
                move || {
                    let children = children.clone();
                    Suspend::new(async move {
                        let user = auth.user.await;
                        if !still_rendering() {
                            return Either::Right(().into_any());
                        }
                        match user {
                            Ok(Some(user)) if user.is_admin || !admin => Either::Left(children()),
                            Ok(Some(_)) => Either::Right(view! {
                                <MessagePage status=403 title="Not allowed"
                                    text="This page is for admins. If you need access, ask an admin of your helpdesk."
                                    link=("/", "Back to the home page")/>
                            }.into_any()),
                            _ => Either::Right(view! {
                                <MessagePage status=401 title="Please sign in"
                                    text="Your session has ended." link=("/login", "Sign in")/>
                            }.into_any()),
                        }
                    })
                }
            }
        </Transition>
    }
}

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <MessagePage status=404 title="Page not found" text="There is nothing at this address."
            link=("/", "Back to the home page")/>
    }
}

/// A page that only explains something, with the HTTP status it stands for.
#[component]
fn MessagePage(
    status: u16,
    title: &'static str,
    text: &'static str,
    link: (&'static str, &'static str),
) -> impl IntoView {
    set_status(status);
    view! {
        <Title text=title/>
        <main id="main" tabindex="-1" class="page narrow">
            <h1>{title}</h1>
            <p>{text}</p>
            <p><a href=link.0>{link.1}</a></p>
        </main>
    }
}
