use super::{
    api::{CreateRequestType, DeleteRequestType, RenameRequestType, list_request_types},
    model::RequestType,
};
use crate::components::{Field, FormAlert, Guard, SuccessNote, action_error, reset_on_success};
use leptos::{html, prelude::*};
use leptos_meta::Title;

#[component]
pub fn RequestTypesPage() -> impl IntoView {
    view! {
        <Title text="Request types"/>
        <Guard admin=true>
            <RequestTypesAdmin/>
        </Guard>
    }
}

#[component]
fn RequestTypesAdmin() -> impl IntoView {
    let create = ServerAction::<CreateRequestType>::new();
    let rename = ServerAction::<RenameRequestType>::new();
    let delete = ServerAction::<DeleteRequestType>::new();
    let kinds = Resource::new(
        move || {
            (
                create.version().get(),
                rename.version().get(),
                delete.version().get(),
            )
        },
        |_| list_request_types(),
    );
    let create_error = action_error(create);
    let form = NodeRef::<html::Form>::new();
    reset_on_success(create, form);
    let created = Signal::derive(move || match create.value().get() {
        Some(Ok(k)) => Some(format!("Request type “{}” created.", k.name)),
        _ => None,
    });
    // The table shows the outcome of its latest action only.
    let last = RwSignal::new(None::<Result<String, crate::error::AppError>>);
    Effect::new(move || {
        if let Some(r) = rename.value().get() {
            last.set(Some(r.map(|k| format!("Renamed to “{}”.", k.name))));
        }
    });
    Effect::new(move || {
        if let Some(r) = delete.value().get() {
            last.set(Some(r.map(|()| "Request type deleted.".to_string())));
        }
    });
    let table_error = Signal::derive(move || last.get().and_then(Result::err));
    let table_note = Signal::derive(move || last.get().and_then(Result::ok));

    view! {
        <main id="main" tabindex="-1" class="page">
            <h1>"Request types"</h1>
            <p class="lead">"What people can ask for when they open a ticket."</p>
            <section class="card" aria-labelledby="new-type-heading">
                <h2 id="new-type-heading">"New request type"</h2>
                <ActionForm action=create node_ref=form>
                    <FormAlert error=create_error/>
                    <SuccessNote message=created/>
                    <div class="inline-form">
                        <Field label="Request type name" name="name" id="new-type-name"
                            required=true maxlength=100 error=create_error/>
                        <button type="submit" class="btn btn-primary">"Add request type"</button>
                    </div>
                </ActionForm>
            </section>
            <section aria-labelledby="type-list-heading">
                <h2 id="type-list-heading">"All request types"</h2>
                <FormAlert error=table_error full=true/>
                <SuccessNote message=table_note/>
                <Transition fallback=|| view! { <p>"Loading request types…"</p> }>
                    {move || Suspend::new(async move {
                        match kinds.await {
                            Ok(list) if list.is_empty() => view! {
                                <p class="empty">"No request types yet. Add the first one above."</p>
                            }.into_any(),
                            Ok(list) => view! { <TypeTable list rename delete/> }.into_any(),
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
fn TypeTable(
    list: Vec<RequestType>,
    rename: ServerAction<RenameRequestType>,
    delete: ServerAction<DeleteRequestType>,
) -> impl IntoView {
    view! {
        <div class="table-wrap" role="region" aria-labelledby="type-list-heading" tabindex="0">
            <table>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col" class="num">"Tickets"</th>
                        <th scope="col">"Actions"</th>
                    </tr>
                </thead>
                <tbody>
                    {list.into_iter().map(|k| {
                        let rename_id = format!("rename-type-{}", k.id);
                        let delete_label = format!("Delete {}", k.name);
                        view! {
                            <tr>
                                <th scope="row">{k.name.clone()}</th>
                                <td class="num">{k.ticket_count}</td>
                                <td class="actions">
                                    <details class="rename">
                                        <summary>"Rename"</summary>
                                        <ActionForm action=rename>
                                            <input type="hidden" name="id" value=k.id/>
                                            <label for=rename_id.clone()>"New name for " {k.name.clone()}</label>
                                            <input id=rename_id name="name" value=k.name.clone()
                                                required maxlength="100"/>
                                            <button type="submit" class="btn">"Save name"</button>
                                        </ActionForm>
                                    </details>
                                    <ActionForm action=delete>
                                        <input type="hidden" name="id" value=k.id/>
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
