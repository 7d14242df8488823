use super::api::{Login, needs_setup};
use super::context::use_auth;
use crate::components::{FormAlert, Submit, action_error};
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
                    <Submit label="Sign in" pending=login.pending() class="btn btn-primary btn-block"/>
                </ActionForm>
            </div>
        </main>
    }
}
