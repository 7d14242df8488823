use super::api::{ChangePassword, Login, SetMyAvatar, SignOutEverywhere, my_account, needs_setup};
use crate::{
    components::{
        Avatar, Field, FormAlert, Guard, LoadError, Submit, SuccessNote, action_error,
        reset_on_success, use_auth,
    },
    error::AppError,
    live::use_live,
    text::thousands,
    tickets::{api::my_ticket_counts, model::TicketStatus},
};
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

#[component]
pub fn HomePage() -> impl IntoView {
    // Made outside the Guard: see `Guard` for why. Live, like the list.
    let live = use_live();
    let mine = Resource::new(move || live.any(), |_| my_ticket_counts());
    view! {
        <Title text="Home"/>
        <Guard>
            <Home mine/>
        </Guard>
    }
}

#[component]
fn Home(mine: Resource<Result<Vec<(TicketStatus, i64)>, AppError>>) -> impl IntoView {
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
                        {(!user.is_admin).then(|| view! { <MySummary mine/> })}
                        {user.is_admin.then(|| view! {
                            <section class="tiles" aria-labelledby="admin-heading">
                                <h2 id="admin-heading">"Administration"</h2>
                                <ul class="tile-list">
                                    <li class="card tile">
                                        <a href="/dashboard">"Dashboard"</a>
                                        <p>"Open tickets at a glance, weekly trends and how long tickets take."</p>
                                    </li>
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

/// A user's own tickets by status, each linking to them.
#[component]
fn MySummary(mine: Resource<Result<Vec<(TicketStatus, i64)>, AppError>>) -> impl IntoView {
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                mine.await.ok().map(|counts| view! {
                    <ul class="stat-tiles" aria-label="My tickets by status">
                        {counts.into_iter().map(|(status, n)| view! {
                            <li class="card stat-tile">
                                <a href=format!("/tickets?status={}", status.as_str())>
                                    <span class="stat-value">{thousands(n)}</span>
                                    <span class="stat-label">{status.label()}</span>
                                </a>
                            </li>
                        }).collect_view()}
                    </ul>
                })
            })}
        </Transition>
    }
}

/// My account: the signed-in user's avatar, password and sessions.
#[component]
pub fn AccountPage() -> impl IntoView {
    // Created here, inside the routes, so a no-JavaScript post gets its errors back.
    let password = ServerAction::<ChangePassword>::new();
    let avatar = ServerAction::<SetMyAvatar>::new();
    let everywhere = ServerAction::<SignOutEverywhere>::new();
    let account = Resource::new(
        move || (password.version().get(), avatar.version().get()),
        |_| my_account(),
    );
    view! {
        <Title text="My account"/>
        <Guard>
            <AccountSections account password avatar everywhere/>
        </Guard>
    }
}

#[component]
fn AccountSections(
    account: Resource<Result<super::model::Account, crate::error::AppError>>,
    password: ServerAction<ChangePassword>,
    avatar: ServerAction<SetMyAvatar>,
    everywhere: ServerAction<SignOutEverywhere>,
) -> impl IntoView {
    let auth = use_auth();
    let done = |action: Signal<Option<Result<String, crate::error::AppError>>>| {
        Signal::derive(move || action.get().and_then(Result::ok))
    };
    let password_error = action_error(password);
    let password_done = done(password.value().into());
    let avatar_error = action_error(avatar);
    let avatar_done = done(avatar.value().into());
    let everywhere_error = action_error(everywhere);
    let password_form = NodeRef::<leptos::html::Form>::new();
    reset_on_success(password, password_form);
    // The header shows the avatar too.
    Effect::new(move || {
        if matches!(avatar.value().get(), Some(Ok(_))) {
            auth.user.refetch();
        }
    });
    view! {
        <main id="main" tabindex="-1" class="page narrow-form">
            <h1>"My account"</h1>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match account.await {
                        Ok(me) => view! {
                            <section class="card" aria-labelledby="profile-heading">
                                <h2 id="profile-heading">"Profile"</h2>
                                <p class="account-who">
                                    <Avatar name=me.username.clone() url=me.avatar_url.clone()/>
                                    <span><strong>{me.username.clone()}</strong><br/>{me.email.clone()}</span>
                                </p>
                                <ActionForm action=avatar>
                                    <SuccessNote message=avatar_done/>
                                    <FormAlert error=avatar_error/>
                                    <Field label="Avatar URL" name="avatar_url" id="account-avatar"
                                        kind="url" value=me.avatar_url.clone() maxlength=2048
                                        hint="The https address of a picture. Leave it empty to show your initials."
                                        error=avatar_error/>
                                    <Submit label="Save avatar" pending=avatar.pending() class="btn"/>
                                </ActionForm>
                            </section>
                            <section class="card" aria-labelledby="password-heading">
                                <h2 id="password-heading">"Password"</h2>
                                <ActionForm action=password node_ref=password_form>
                                    <SuccessNote message=password_done/>
                                    <FormAlert error=password_error/>
                                    <Field label="Current password" name="current_password"
                                        id="account-current" kind="password"
                                        autocomplete="current-password" required=true error=password_error/>
                                    <Field label="New password" name="new_password" id="account-new"
                                        kind="password" autocomplete="new-password" required=true
                                        hint="At least 8 characters." error=password_error/>
                                    <Field label="New password again" name="confirm_password"
                                        id="account-confirm" kind="password" autocomplete="new-password"
                                        required=true error=password_error/>
                                    <Submit label="Change password" pending=password.pending()/>
                                </ActionForm>
                            </section>
                            <section class="card" aria-labelledby="sessions-heading">
                                <h2 id="sessions-heading">"Where you are signed in"</h2>
                                <p>{match me.sessions {
                                    1 => "You are signed in in this browser only.".to_string(),
                                    n => format!("You are signed in in {n} browsers, this one included."),
                                }}</p>
                                <ActionForm action=everywhere>
                                    <FormAlert error=everywhere_error/>
                                    <p class="hint">"Signs you out in every browser, this one too: for a computer you used and no longer have."</p>
                                    <Submit label="Sign out everywhere" pending=everywhere.pending() class="btn btn-danger"/>
                                </ActionForm>
                            </section>
                        }.into_any(),
                        Err(error) => view! { <LoadError error/> }.into_any(),
                    }
                })}
            </Transition>
        </main>
    }
}
