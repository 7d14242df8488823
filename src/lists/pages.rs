//! One admin page for every named list: a form to add an entry, and a table to rename or
//! delete each one.

use super::{
    api::{CreateListEntry, DeleteListEntry, RenameListEntry, list_entries},
    model::{Entry, NamedList},
};
use crate::auth::Guard;
use crate::{
    components::{
        DataTable, Field, FormAlert, LoadError, SuccessNote, action_error, col, num, past_dry_runs,
        reset_on_success,
    },
    error::AppError,
    text::{capitalised, thousands},
};
use leptos::{html, prelude::*};
use leptos_meta::Title;

#[component]
pub fn NamedListPage(list: NamedList) -> impl IntoView {
    let create = ServerAction::<CreateListEntry>::new();
    let rename = ServerAction::<RenameListEntry>::new();
    let delete = ServerAction::<DeleteListEntry>::new();
    // Made outside the Guard: see `Guard` for why.
    let rows = Resource::new(
        move || {
            (
                create.version().get(),
                rename.version().get(),
                delete.version().get(),
            )
        },
        move |_| list_entries(list),
    );
    view! {
        <Title text=list.label()/>
        <Guard admin=true>
            <ListAdmin list create rename delete rows/>
        </Guard>
    }
}

/// The latest outcome of the table's rename and delete actions, as a message or an error:
/// starting one action replaces what the other one said.
fn table_outcome(
    list: NamedList,
    rename: ServerAction<RenameListEntry>,
    delete: ServerAction<DeleteListEntry>,
) -> Signal<Option<Result<String, AppError>>> {
    let last = RwSignal::new(None);
    Effect::new(move || {
        if let Some(r) = rename.value().get() {
            last.set(Some(r.map(|e| format!("Renamed to “{}”.", e.name))));
        }
    });
    Effect::new(move || {
        if let Some(r) = delete.value().get() {
            let one = capitalised(list.spec().one);
            last.set(Some(r.map(|_| format!("{one} deleted."))));
        }
    });
    last.into()
}

#[component]
fn ListAdmin(
    list: NamedList,
    create: ServerAction<CreateListEntry>,
    rename: ServerAction<RenameListEntry>,
    delete: ServerAction<DeleteListEntry>,
    rows: Resource<Result<Vec<Entry>, AppError>>,
) -> impl IntoView {
    let spec = list.spec();
    let (one, many, id) = (spec.one, spec.many, spec.id);
    let form = NodeRef::<html::Form>::new();
    reset_on_success(create, form);
    let create_error = action_error(create);
    let created = Signal::derive(move || match create.value().get() {
        Some(Ok(e)) => Some(format!("{} “{}” created.", capitalised(one), e.name)),
        _ => None,
    });
    let outcome = table_outcome(list, rename, delete);
    let table_error = Signal::derive(move || outcome.get().and_then(Result::err));
    let table_note = Signal::derive(move || outcome.get().and_then(Result::ok));
    let list_heading = format!("{id}-list-heading");
    let table_heading = list_heading.clone();
    view! {
        <main id="main" tabindex="-1" class="page">
            <h1>{list.label()}</h1>
            {spec.lead.map(|text| view! { <p class="lead">{text}</p> })}
            <section class="card" aria-labelledby=format!("new-{id}-heading")>
                <h2 id=format!("new-{id}-heading")>{format!("New {one}")}</h2>
                <ActionForm action=create node_ref=form>
                    <input type="hidden" name="list" value=list.as_str()/>
                    <FormAlert error=create_error/>
                    <SuccessNote message=created/>
                    <div class="inline-form">
                        <Field label=spec.label name="name" id=format!("new-{id}-name") required=true
                            maxlength=100 error=create_error/>
                        <button type="submit" class="btn btn-primary">{format!("Add {one}")}</button>
                    </div>
                </ActionForm>
            </section>
            <section aria-labelledby=list_heading.clone()>
                <h2 id=list_heading.clone()>{format!("All {many}")}</h2>
                <FormAlert error=table_error full=true/>
                <SuccessNote message=table_note/>
                <Transition fallback=move || view! { <p>{format!("Loading {many}…")}</p> }>
                    {move || {
                        let list_heading = table_heading.clone();
                        Suspend::new(async move {
                            let rows = rows.await;
                            past_dry_runs().await;
                            match rows {
                                Ok(entries) if entries.is_empty() => view! {
                                    <p class="empty">{format!("No {many} yet. Add the first one above.")}</p>
                                }.into_any(),
                                Ok(entries) => view! {
                                    <ListTable list entries rename delete list_heading/>
                                }.into_any(),
                                Err(error) => view! { <LoadError error/> }.into_any(),
                            }
                        })
                    }}
                </Transition>
            </section>
        </main>
    }
}

#[component]
fn ListTable(
    list: NamedList,
    entries: Vec<Entry>,
    rename: ServerAction<RenameListEntry>,
    delete: ServerAction<DeleteListEntry>,
    list_heading: String,
) -> impl IntoView {
    let spec = list.spec();
    let columns = std::iter::once(col("Name"))
        .chain(spec.used_by.iter().map(|by| num(by.heading)))
        .chain([col("Actions")])
        .collect();
    view! {
        <DataTable labelled_by=list_heading columns>
                    {entries.into_iter().map(|entry| {
                        let rename_id = format!("rename-{}-{}", spec.id, entry.id);
                        let (name, rename_label, rename_value, delete_label) = (
                            entry.name.clone(),
                            entry.name.clone(),
                            entry.name.clone(),
                            format!("Delete {}", entry.name),
                        );
                        view! {
                            <tr>
                                <th scope="row">{name}</th>
                                {entry.usage.iter().map(|n| view! { <td class="num">{thousands(*n)}</td> }).collect_view()}
                                <td class="actions">
                                    <details class="rename">
                                        <summary>"Rename"</summary>
                                        <ActionForm action=rename>
                                            <input type="hidden" name="list" value=list.as_str()/>
                                            <input type="hidden" name="id" value=entry.id/>
                                            <label for=rename_id.clone()>"New name for " {rename_label}</label>
                                            <input id=rename_id name="name" value=rename_value required maxlength="100"/>
                                            <button type="submit" class="btn">"Save name"</button>
                                        </ActionForm>
                                    </details>
                                    <ActionForm action=delete>
                                        <input type="hidden" name="list" value=list.as_str()/>
                                        <input type="hidden" name="id" value=entry.id/>
                                        <button type="submit" class="btn btn-danger"
                                            aria-label=delete_label>"Delete"</button>
                                    </ActionForm>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
        </DataTable>
    }
}
