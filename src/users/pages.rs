use super::{
    api::{CreateUser, SetUserStatus, UpdateUser, get_user, list_users},
    model::{Role, UserStatus, UserView},
};
use crate::auth::Guard;
use crate::{
    components::{
        Avatar, DataTable, Field, FormAlert, LoadError, SelectField, Submit, SuccessNote,
        action_error, col, past_dry_runs, reset_on_success,
    },
    error::AppError,
    lists::{NamedList, api::list_entries, model::Entry},
};
use leptos::{html, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn UsersPage() -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let set_status = ServerAction::<SetUserStatus>::new();
    // Made outside the Guard: see `Guard` for why.
    let users = Resource::new(
        move || (create.version().get(), set_status.version().get()),
        |_| list_users(),
    );
    let departments = Resource::new(|| (), |_| list_entries(NamedList::Departments));
    view! {
        <Title text="Users"/>
        <Guard admin=true>
            <UsersAdmin create set_status users departments/>
        </Guard>
    }
}

#[component]
fn UsersAdmin(
    create: ServerAction<CreateUser>,
    set_status: ServerAction<SetUserStatus>,
    users: Resource<Result<Vec<UserView>, AppError>>,
    departments: Resource<Result<Vec<Entry>, AppError>>,
) -> impl IntoView {
    let create_error = action_error(create);
    let status_error = action_error(set_status);
    let form = NodeRef::<html::Form>::new();
    reset_on_success(create, form);
    let created = Signal::derive(move || match create.value().get() {
        Some(Ok(u)) => Some(format!("User {} created.", u.username)),
        _ => None,
    });
    let status_note = Signal::derive(move || match set_status.value().get() {
        Some(Ok(u)) => Some(format!(
            "{} is now {}.",
            u.username,
            u.status.label().to_lowercase()
        )),
        _ => None,
    });

    view! {
        <main id="main" tabindex="-1" class="page">
            <h1>"Users"</h1>
            <section aria-labelledby="user-list-heading">
                <h2 id="user-list-heading">"All users"</h2>
                <FormAlert error=status_error full=true/>
                <SuccessNote message=status_note/>
                <Transition fallback=|| view! { <p>"Loading users…"</p> }>
                    {move || Suspend::new(async move {
                        let users = users.await;
                        past_dry_runs().await;
                        match users {
                            Ok(list) => view! { <UserTable list set_status/> }.into_any(),
                            Err(error) => view! { <LoadError error/> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
            <section class="card" aria-labelledby="new-user-heading">
                <h2 id="new-user-heading">"New user"</h2>
                <Transition fallback=|| view! { <p>"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        let departments = departments.await.unwrap_or_default();
                        past_dry_runs().await;
                        view! {
                            <ActionForm action=create node_ref=form>
                                <FormAlert error=create_error/>
                                <SuccessNote message=created/>
                                <UserFields prefix="new-user" user=None departments error=create_error/>
                                <Submit label="Create user" pending=create.pending()/>
                            </ActionForm>
                        }
                    })}
                </Transition>
            </section>
        </main>
    }
}

#[component]
fn UserTable(list: Vec<UserView>, set_status: ServerAction<SetUserStatus>) -> impl IntoView {
    view! {
        <DataTable labelled_by="user-list-heading"
            columns=vec![col("Username"), col("Email"), col("Roles"), col("Department"), col("Status"), col("Actions")]>
                    {list.into_iter().map(|u| {
                        let roles = u.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ");
                        let (next, verb) = match u.status {
                            UserStatus::Active => (UserStatus::Inactive, "Deactivate"),
                            UserStatus::Inactive => (UserStatus::Active, "Reactivate"),
                        };
                        view! {
                            <tr>
                                <th scope="row">
                                    <span class="user-cell">
                                        <Avatar name=u.username.clone() url=u.avatar_url.clone()/>
                                        {u.username.clone()}
                                    </span>
                                </th>
                                <td>{u.email.clone()}</td>
                                <td>{roles}</td>
                                <td>{u.department_name.clone().unwrap_or_else(|| "—".into())}</td>
                                <td>
                                    <span class=format!("badge badge-{}", u.status.as_str())>
                                        {u.status.label()}
                                    </span>
                                </td>
                                <td class="actions">
                                    <a class="btn" href=format!("/admin/users/{}", u.id)
                                        aria-label=format!("Edit {}", u.username)>"Edit"</a>
                                    <ActionForm action=set_status>
                                        <input type="hidden" name="id" value=u.id/>
                                        <input type="hidden" name="status" value=next.as_str()/>
                                        <button type="submit" class="btn"
                                            aria-label=format!("{verb} {}", u.username)>{verb}</button>
                                    </ActionForm>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
        </DataTable>
    }
}

/// The fields of the new-user and edit-user forms. `user` pre-fills them for editing.
#[component]
fn UserFields(
    prefix: &'static str,
    user: Option<UserView>,
    departments: Vec<Entry>,
    error: Signal<Option<AppError>>,
    #[prop(optional)] password_ref: Option<NodeRef<html::Input>>,
) -> impl IntoView {
    let password_ref = password_ref.unwrap_or_default();
    let editing = user.is_some();
    let id = move |field: &str| format!("{prefix}-{field}");
    let message = move |field: &'static str| move || error.get().and_then(|e| e.for_field(field));
    let current_dept = user.as_ref().and_then(|u| u.department_id);
    let is_admin = user.as_ref().is_some_and(|u| u.has_role(Role::Admin));
    let is_agent = user.as_ref().is_some_and(|u| u.has_role(Role::Agent));
    // A new user gets the "user" role unless the admin unticks it.
    let is_user = user.as_ref().is_none_or(|u| u.has_role(Role::User));
    let status = user.as_ref().map_or(UserStatus::Active, |u| u.status);
    view! {
        <div class="form-grid">
            <Field label="Username" name="username" id=id("username") required=true maxlength=32
                autocomplete="off" value=user.as_ref().map(|u| u.username.clone())
                hint="3–32 characters: a–z, 0–9, _ . -" error/>
            <Field label="Email" name="email" id=id("email") kind="email" required=true
                autocomplete="off" value=user.as_ref().map(|u| u.email.clone()) error/>
            {if editing {
                view! {
                    <Field label="New password" name="new_password" id=id("password") kind="password"
                        autocomplete="new-password" hint="Leave empty to keep the current password."
                        node_ref=password_ref error/>
                }.into_any()
            } else {
                view! {
                    <Field label="Password" name="password" id=id("password") kind="password"
                        autocomplete="new-password" required=true hint="At least 8 characters."
                        node_ref=password_ref error/>
                }.into_any()
            }}
            <Field label="Avatar URL" name="avatar_url" id=id("avatar") kind="url"
                value=user.as_ref().and_then(|u| u.avatar_url.clone())
                hint="Optional: an https:// address of a picture." error/>
            <SelectField label="Department" name="department_id" id=id("department")
                options=departments.into_iter().map(|d| (d.id.to_string(), d.name)).collect()
                selected=current_dept.map(|d| d.to_string())
                placeholder="No department" error/>
            <SelectField label="Status" name="status" id=id("status")
                options=[UserStatus::Active, UserStatus::Inactive]
                    .map(|s| (s.as_str().to_string(), s.label().to_string()))
                    .to_vec()
                selected=Some(status.as_str().to_string()) error/>
            <fieldset class="field roles">
                <legend>"Roles"</legend>
                <label class="check">
                    <input type="checkbox" name="role_admin" checked=is_admin/>
                    "Admin"
                    <span class="hint">" — everything agents do, and users, lists and settings"</span>
                </label>
                <label class="check">
                    <input type="checkbox" name="role_agent" checked=is_agent/>
                    "Agent"
                    <span class="hint">" — sees and works every ticket"</span>
                </label>
                <label class="check">
                    <input type="checkbox" name="role_user" checked=is_user/>
                    "User"
                    <span class="hint">" — files tickets and follows their own"</span>
                </label>
                <p class="field-error" id=id("roles-error")>{message("role_admin")}</p>
            </fieldset>
        </div>
    }
}

#[component]
pub fn EditUserPage() -> impl IntoView {
    let params = use_params_map();
    let user_id = move || params.read().get("id").and_then(|s| s.parse::<i64>().ok());
    let update = ServerAction::<UpdateUser>::new();
    // Keyed on the id only: a failed save must not reload the form over what was typed.
    // Made outside the Guard: see `Guard` for why.
    let user = Resource::new(user_id, |id| async move {
        match id {
            Some(id) => get_user(id).await,
            None => Err(AppError::NotFound),
        }
    });
    let departments = Resource::new(|| (), |_| list_entries(NamedList::Departments));
    view! {
        <Title text="Edit user"/>
        <Guard admin=true>
            <EditUser update user departments/>
        </Guard>
    }
}

#[component]
fn EditUser(
    update: ServerAction<UpdateUser>,
    user: Resource<Result<UserView, AppError>>,
    departments: Resource<Result<Vec<Entry>, AppError>>,
) -> impl IntoView {
    let error = action_error(update);
    let saved = Signal::derive(move || match update.value().get() {
        Some(Ok(u)) => Some(format!("Changes to {} saved.", u.username)),
        _ => None,
    });
    let password = NodeRef::<html::Input>::new();
    Effect::new(move || {
        if matches!(update.value().get(), Some(Ok(_))) {
            // The new password has been stored: do not leave it in the field.
            if let Some(input) = password.get() {
                input.set_value("");
            }
        }
    });

    view! {
        <main id="main" tabindex="-1" class="page">
            <p class="crumbs"><a href="/admin/users">"← All users"</a></p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let loaded = (user.await, departments.await);
                    past_dry_runs().await;
                    match loaded {
                        (Ok(u), Ok(departments)) => view! {
                            <h1>"Edit " {u.username.clone()}</h1>
                            <section class="card">
                                <ActionForm action=update>
                                    <FormAlert error/>
                                    <SuccessNote message=saved/>
                                    <input type="hidden" name="id" value=u.id/>
                                    <UserFields prefix="edit-user" user=Some(u) departments error password_ref=password/>
                                    <Submit label="Save changes" pending=update.pending()/>
                                </ActionForm>
                            </section>
                        }.into_any(),
                        (Err(AppError::NotFound), _) => view! {
                            <h1>"User not found"</h1>
                            <p>"There is no user with this address."</p>
                        }.into_any(),
                        (Err(e), _) | (_, Err(e)) => view! {
                            <h1>"Edit user"</h1>
                            <LoadError error=e/>
                        }.into_any(),
                    }
                })}
            </Transition>
        </main>
    }
}
