use super::api::{CreateDepartment, DeleteDepartment, RenameDepartment, list_departments};
use crate::components::{
    FormWrap, Guard, NamedListAdmin, NamedRow, Nouns, action_error, reset_on_success, table_outcome,
};
use crate::error::AppError;
use leptos::{html, prelude::*};
use leptos_meta::Title;
use std::sync::Arc;

#[component]
pub fn DepartmentsPage() -> impl IntoView {
    let create = ServerAction::<CreateDepartment>::new();
    let rename = ServerAction::<RenameDepartment>::new();
    let delete = ServerAction::<DeleteDepartment>::new();
    // Made outside the Guard: see `Guard` for why.
    let rows = Resource::new(
        move || {
            (
                create.version().get(),
                rename.version().get(),
                delete.version().get(),
            )
        },
        |_| async {
            let departments = list_departments().await?;
            Ok(departments
                .into_iter()
                .map(|d| NamedRow {
                    id: d.id,
                    name: d.name,
                    usage: vec![d.user_count, d.ticket_count],
                })
                .collect())
        },
    );
    view! {
        <Title text="Departments"/>
        <Guard admin=true>
            <DepartmentsAdmin create rename delete rows/>
        </Guard>
    }
}

#[component]
fn DepartmentsAdmin(
    create: ServerAction<CreateDepartment>,
    rename: ServerAction<RenameDepartment>,
    delete: ServerAction<DeleteDepartment>,
    rows: Resource<Result<Vec<NamedRow>, AppError>>,
) -> impl IntoView {
    let form = NodeRef::<html::Form>::new();
    reset_on_success(create, form);
    let created = Signal::derive(move || match create.value().get() {
        Some(Ok(d)) => Some(format!("Department “{}” created.", d.name)),
        _ => None,
    });
    let create_form: FormWrap = Arc::new(move |fields| {
        view! { <ActionForm action=create node_ref=form>{fields}</ActionForm> }.into_any()
    });
    let rename_form: FormWrap = Arc::new(move |fields| {
        view! { <ActionForm action=rename>{fields}</ActionForm> }.into_any()
    });
    let delete_form: FormWrap = Arc::new(move |fields| {
        view! { <ActionForm action=delete>{fields}</ActionForm> }.into_any()
    });
    let outcome = table_outcome(
        rename,
        delete,
        |d| format!("Renamed to “{}”.", d.name),
        "Department deleted.",
    );
    view! {
        <NamedListAdmin
            nouns=Nouns { one: "department", many: "departments", id: "department", label: "Department name" }
            usage_columns=vec!["Users", "Tickets"]
            rows create_form create_error=action_error(create) created
            rename_form delete_form outcome/>
    }
}
