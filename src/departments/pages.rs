use super::{
    api::{CreateDepartment, DeleteDepartment, RenameDepartment, list_departments},
    model::Department,
};
use crate::components::{Field, FormAlert, Guard, SuccessNote, action_error, reset_on_success};
use leptos::{html, prelude::*};
use leptos_meta::Title;

#[component]
pub fn DepartmentsPage() -> impl IntoView {
    view! {
        <Title text="Departments"/>
        <Guard admin=true>
            <DepartmentsAdmin/>
        </Guard>
    }
}

#[component]
fn DepartmentsAdmin() -> impl IntoView {
    let create = ServerAction::<CreateDepartment>::new();
    let rename = ServerAction::<RenameDepartment>::new();
    let delete = ServerAction::<DeleteDepartment>::new();
    let departments = Resource::new(
        move || {
            (
                create.version().get(),
                rename.version().get(),
                delete.version().get(),
            )
        },
        |_| list_departments(),
    );
    let create_error = action_error(create);
    let rename_error = action_error(rename);
    let delete_error = action_error(delete);
    // One message at a time for the table: starting an action clears the other's outcome.
    Effect::new(move || {
        if rename.pending().get() {
            delete.value().set(None);
        }
    });
    Effect::new(move || {
        if delete.pending().get() {
            rename.value().set(None);
        }
    });
    let form = NodeRef::<html::Form>::new();
    reset_on_success(create, form);
    let created = Signal::derive(move || match create.value().get() {
        Some(Ok(d)) => Some(format!("Department “{}” created.", d.name)),
        _ => None,
    });
    let table_note = Signal::derive(move || match (rename.value().get(), delete.value().get()) {
        (Some(Ok(d)), _) => Some(format!("Renamed to “{}”.", d.name)),
        (_, Some(Ok(()))) => Some("Department deleted.".to_string()),
        _ => None,
    });
    let table_error = Signal::derive(move || rename_error.get().or_else(|| delete_error.get()));

    view! {
        <main id="main" tabindex="-1" class="page">
            <h1>"Departments"</h1>
            <section class="card" aria-labelledby="new-department-heading">
                <h2 id="new-department-heading">"New department"</h2>
                <ActionForm action=create node_ref=form>
                    <FormAlert error=create_error/>
                    <SuccessNote message=created/>
                    <div class="inline-form">
                        <Field label="Department name" name="name" id="new-department-name"
                            required=true maxlength=100 error=create_error/>
                        <button type="submit" class="btn btn-primary">"Add department"</button>
                    </div>
                </ActionForm>
            </section>
            <section aria-labelledby="department-list-heading">
                <h2 id="department-list-heading">"All departments"</h2>
                <FormAlert error=table_error full=true/>
                <SuccessNote message=table_note/>
                <Transition fallback=|| view! { <p>"Loading departments…"</p> }>
                    {move || Suspend::new(async move {
                        match departments.await {
                            Ok(list) if list.is_empty() => view! {
                                <p class="empty">"No departments yet. Add the first one above."</p>
                            }.into_any(),
                            Ok(list) => view! { <DepartmentTable list rename delete/> }.into_any(),
                            Err(e) => view! {
                                <p class="alert alert-error" role="alert">{e.to_string()}</p>
                            }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </main>
    }
}

#[component]
fn DepartmentTable(
    list: Vec<Department>,
    rename: ServerAction<RenameDepartment>,
    delete: ServerAction<DeleteDepartment>,
) -> impl IntoView {
    view! {
        // Focusable so keyboard users can scroll a table wider than a phone screen.
        <div class="table-wrap" role="region" aria-labelledby="department-list-heading" tabindex="0">
            <table>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col" class="num">"Users"</th>
                        <th scope="col" class="num">"Tickets"</th>
                        <th scope="col">"Actions"</th>
                    </tr>
                </thead>
                <tbody>
                    {list.into_iter().map(|d| {
                        let rename_id = format!("rename-department-{}", d.id);
                        let delete_label = format!("Delete {}", d.name);
                        view! {
                            <tr>
                                <th scope="row">{d.name.clone()}</th>
                                <td class="num">{d.user_count}</td>
                                <td class="num">{d.ticket_count}</td>
                                <td class="actions">
                                    <details class="rename">
                                        <summary>"Rename"</summary>
                                        <ActionForm action=rename>
                                            <input type="hidden" name="id" value=d.id/>
                                            <label for=rename_id.clone()>"New name for " {d.name.clone()}</label>
                                            <input id=rename_id name="name" value=d.name.clone()
                                                required maxlength="100"/>
                                            <button type="submit" class="btn">"Save name"</button>
                                        </ActionForm>
                                    </details>
                                    <ActionForm action=delete>
                                        <input type="hidden" name="id" value=d.id/>
                                        <button type="submit" class="btn btn-danger"
                                            aria-label=delete_label>
                                            "Delete"
                                        </button>
                                    </ActionForm>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
