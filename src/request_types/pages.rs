use super::api::{CreateRequestType, DeleteRequestType, RenameRequestType, list_request_types};
use crate::components::{
    FormWrap, Guard, NamedListAdmin, NamedRow, Nouns, action_error, reset_on_success, table_outcome,
};
use crate::error::AppError;
use leptos::{html, prelude::*};
use leptos_meta::Title;
use std::sync::Arc;

#[component]
pub fn RequestTypesPage() -> impl IntoView {
    let create = ServerAction::<CreateRequestType>::new();
    let rename = ServerAction::<RenameRequestType>::new();
    let delete = ServerAction::<DeleteRequestType>::new();
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
            let kinds = list_request_types().await?;
            Ok(kinds
                .into_iter()
                .map(|k| NamedRow {
                    id: k.id,
                    name: k.name,
                    usage: vec![k.ticket_count],
                })
                .collect())
        },
    );
    view! {
        <Title text="Request types"/>
        <Guard admin=true>
            <RequestTypesAdmin create rename delete rows/>
        </Guard>
    }
}

#[component]
fn RequestTypesAdmin(
    create: ServerAction<CreateRequestType>,
    rename: ServerAction<RenameRequestType>,
    delete: ServerAction<DeleteRequestType>,
    rows: Resource<Result<Vec<NamedRow>, AppError>>,
) -> impl IntoView {
    let form = NodeRef::<html::Form>::new();
    reset_on_success(create, form);
    let created = Signal::derive(move || match create.value().get() {
        Some(Ok(k)) => Some(format!("Request type “{}” created.", k.name)),
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
        |k| format!("Renamed to “{}”.", k.name),
        "Request type deleted.",
    );
    view! {
        <NamedListAdmin
            nouns=Nouns { one: "request type", many: "request types", id: "type", label: "Request type name" }
            lead="What people can ask for when they open a ticket."
            usage_columns=vec!["Tickets"]
            rows create_form create_error=action_error(create) created
            rename_form delete_form outcome/>
    }
}
