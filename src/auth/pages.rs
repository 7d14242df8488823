use super::api::{Login, needs_setup};
use crate::components::{FormAlert, Guard, action_error, use_auth};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = use_auth();
    let login = ServerAction::<Login>::new();
    let error = action_error(login);
    Effect::new(move || {
        if matches!(login.value().get(), Some(Ok(()))) {
            auth.user.refetch();
        }
    });
    let setup = Resource::new(|| (), |_| needs_setup());
    view! {
        <Title text="Sign in"/>
        <main id="main" tabindex="-1" class="auth-page">
            <div class="card auth-card">
                <h1>"Sign in"</h1>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        matches!(setup.await, Ok(true)).then(|| view! {
                            <div class="alert alert-info" role="note">
                                <p><strong>"No admin exists yet."</strong>" Create the first one on the server:"</p>
                                <pre><code>"helpdesk create-admin --username NAME --email EMAIL"</code></pre>
                            </div>
                        })
                    })}
                </Suspense>
                <ActionForm action=login>
                    <FormAlert error/>
                    <div class="field">
                        <label for="login-username">"Username"</label>
                        <input id="login-username" name="username" autocomplete="username"
                            autocapitalize="none" spellcheck="false" required/>
                    </div>
                    <div class="field">
                        <label for="login-password">"Password"</label>
                        <input id="login-password" type="password" name="password"
                            autocomplete="current-password" required/>
                    </div>
                    <button type="submit" class="btn btn-primary btn-block"
                        disabled=move || login.pending().get()>
                        "Sign in"
                    </button>
                </ActionForm>
            </div>
        </main>
    }
}

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="Home"/>
        <Guard>
            <Home/>
        </Guard>
    }
}

#[component]
fn Home() -> impl IntoView {
    let auth = use_auth();
    view! {
        <main id="main" tabindex="-1" class="page">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    auth.user.await.ok().flatten().map(|user| view! {
                        <h1>"Welcome, " {user.username.clone()}</h1>
                        <p class="lead">"Ask for help, then follow your request until it is done."</p>
                        <p class="actions-row">
                            <a class="btn btn-primary" href="/tickets/new">"New ticket"</a>
                            <a class="btn" href="/tickets">{if user.is_admin { "All tickets" } else { "My tickets" }}</a>
                        </p>
                        {user.is_admin.then(|| view! {
                            <section class="tiles" aria-labelledby="admin-heading">
                                <h2 id="admin-heading">"Administration"</h2>
                                <ul class="tile-list">
                                    <li class="card tile">
                                        <a href="/admin/users">"Users"</a>
                                        <p>"Create accounts, set roles and departments, deactivate people who left."</p>
                                    </li>
                                    <li class="card tile">
                                        <a href="/admin/departments">"Departments"</a>
                                        <p>"The departments tickets and people belong to."</p>
                                    </li>
                                    <li class="card tile">
                                        <a href="/admin/request-types">"Request types"</a>
                                        <p>"What people can ask for when they open a ticket."</p>
                                    </li>
                                </ul>
                            </section>
                        })}
                    })
                })}
            </Transition>
        </main>
    }
}
