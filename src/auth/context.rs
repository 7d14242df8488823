//! Sign-in state in the pages: who is signed in (one resource for the whole page), the
//! sign-out action, and the `Guard` that shows a page only to whom it is for.

use super::{
    api::{Logout, who_am_i},
    model::CurrentUser,
};
use crate::{components::MessagePage, error::AppError};
use leptos::{either::Either, prelude::*};

/// Sign-in state for every page: who is signed in, and the sign-out action. (The sign-in
/// action lives in the login page: a no-JavaScript error comes back in the URL, and Leptos
/// hands it only to actions created inside `<Routes>`.)
#[derive(Clone, Copy)]
pub struct Auth {
    pub logout: ServerAction<Logout>,
    pub user: Resource<Result<Option<CurrentUser>, AppError>>,
}

impl Auth {
    /// Whether the signed-in person keeps keyboard shortcuts on (not tracked: asked on each
    /// key press).
    pub fn shortcuts_on(self) -> bool {
        self.user
            .get_untracked()
            .and_then(Result::ok)
            .flatten()
            .is_some_and(|u| u.shortcuts)
    }
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

/// Makes the page's sign-in state (once, in the frame around every page) and provides it.
pub fn provide_auth() -> Auth {
    let logout = ServerAction::<Logout>::new();
    let user = Resource::new(move || logout.version().get(), |_| who_am_i());
    let auth = Auth { logout, user };
    provide_context(auth);
    auth
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
pub fn Guard(
    #[prop(optional)] admin: bool,
    /// For staff (agents and admins) only.
    #[prop(optional)]
    staff: bool,
    children: ChildrenFn,
) -> impl IntoView {
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
                            Ok(Some(user)) if (user.is_admin || !admin) && (user.is_staff || !staff) => {
                                Either::Left(children())
                            }
                            Ok(Some(_)) => Either::Right(view! {
                                <MessagePage status=403 title="Not allowed"
                                    text=if admin {
                                        "This page is for admins. If you need access, ask an admin of your helpdesk."
                                    } else {
                                        "This page is for staff. If you need access, ask an admin of your helpdesk."
                                    }
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
