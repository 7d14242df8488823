//! My account: the signed-in user's avatar, password and sessions.

use super::api::{ChangePassword, SetMyAvatar, SetMyPreferences};
use crate::{
    auth::{
        Guard,
        api::{SignOutEverywhere, my_account},
        use_auth,
    },
    components::{
        Avatar, Field, FormAlert, LoadError, Submit, SuccessNote, action_error, past_dry_runs,
        reset_on_success,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

/// My account: the signed-in user's avatar, password and sessions.
#[component]
pub fn AccountPage(
    /// Sections other features add (mail choices), after the preferences; made by the
    /// caller, outside this page's Guard.
    #[prop(optional)]
    more: Option<ViewFn>,
) -> impl IntoView {
    // Created here, inside the routes, so a no-JavaScript post gets its errors back.
    let password = ServerAction::<ChangePassword>::new();
    let avatar = ServerAction::<SetMyAvatar>::new();
    let everywhere = ServerAction::<SignOutEverywhere>::new();
    let preferences = ServerAction::<SetMyPreferences>::new();
    let account = Resource::new(
        move || (password.version().get(), avatar.version().get()),
        |_| my_account(),
    );
    view! {
        <Title text="My account"/>
        <Guard>
            <AccountSections account password avatar everywhere preferences more=more.clone()/>
        </Guard>
    }
}

#[component]
fn AccountSections(
    account: Resource<Result<crate::auth::model::Account, crate::error::AppError>>,
    password: ServerAction<ChangePassword>,
    avatar: ServerAction<SetMyAvatar>,
    everywhere: ServerAction<SignOutEverywhere>,
    preferences: ServerAction<SetMyPreferences>,
    more: Option<ViewFn>,
) -> impl IntoView {
    let auth = use_auth();
    let preferences_error = action_error(preferences);
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
    let preferences_done = done(preferences.value().into());
    // The header shows the avatar too.
    Effect::new(move || {
        if matches!(avatar.value().get(), Some(Ok(_))) {
            auth.user.refetch();
        }
    });
    // Every page reads the preferences from the signed-in user: changed in place (a
    // refetch re-rendered this page and lost its confirmation).
    let sent = StoredValue::new(None::<SetMyPreferences>);
    Effect::new(move || {
        if let Some(input) = preferences.input().get() {
            sent.set_value(Some(input));
        }
    });
    Effect::new(move || {
        if let Some(Ok(_)) = preferences.value().get()
            && let Some(input) = sent.get_value()
        {
            auth.user.update(|user| {
                if let Some(Ok(Some(u))) = user {
                    u.shortcuts = input.shortcuts.is_some();
                    u.compact = input.density.trim() == "compact";
                }
            });
        }
    });
    view! {
        <main id="main" tabindex="-1" class="page narrow-form">
            <h1>"My account"</h1>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || {
                let more = more.clone();
                Suspend::new(async move {
                    let account = account.await;
                    past_dry_runs().await;
                    match account {
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
                            <Preferences action=preferences done=preferences_done error=preferences_error/>
                            {more.as_ref().map(|more| more.run())}
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
                })
                }}
            </Transition>
        </main>
    }
}

/// Keyboard shortcuts (on unless turned off: WCAG 2.1.4) and list density.
#[component]
fn Preferences(
    action: ServerAction<SetMyPreferences>,
    done: Signal<Option<String>>,
    error: Signal<Option<crate::error::AppError>>,
) -> impl IntoView {
    let me = use_auth()
        .user
        .get_untracked()
        .and_then(Result::ok)
        .flatten();
    let (shortcuts, compact) = me.map_or((true, false), |u| (u.shortcuts, u.compact));
    view! {
        <section class="card" aria-labelledby="preferences-heading">
            <h2 id="preferences-heading">"Preferences"</h2>
            <ActionForm action>
                <SuccessNote message=done/>
                <FormAlert error/>
                <label class="check">
                    <input type="checkbox" name="shortcuts" checked=shortcuts/>
                    "Keyboard shortcuts"
                    <span class="hint">" — single keys such as j, k and r; press ? on a page to see them"</span>
                </label>
                <fieldset class="density">
                    <legend>"Ticket lists"</legend>
                    <label class="check">
                        <input type="radio" name="density" value="comfortable" checked=!compact/>
                        "Comfortable"
                    </label>
                    <label class="check">
                        <input type="radio" name="density" value="compact" checked=compact/>
                        "Compact (more tickets on a screen)"
                    </label>
                </fieldset>
                <Submit label="Save preferences" pending=action.pending() class="btn"/>
            </ActionForm>
        </section>
    }
}
