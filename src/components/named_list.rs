//! The admin page of a list of unique names (departments, request types): a form to add one,
//! and a table to rename or delete each. Each feature brings its own server actions; this
//! holds everything else, so both pages look and behave the same.

use super::{Field, FormAlert, LoadError, SuccessNote};
use crate::error::AppError;
use leptos::{prelude::*, server::ServerAction, server_fn::ServerFn};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// One row: the entry and how many records use it (one number per usage column).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedRow {
    pub id: i64,
    pub name: String,
    pub usage: Vec<i64>,
}

/// Puts the shared form fields inside the feature's own `<ActionForm action=...>`.
pub type FormWrap = Arc<dyn Fn(AnyView) -> AnyView + Send + Sync>;

/// What the page says about its list, e.g. ("department", "departments").
#[derive(Clone, Copy)]
pub struct Nouns {
    pub one: &'static str,
    pub many: &'static str,
    /// Prefix of element ids: `new-{id}-name`, `rename-{id}-7`.
    pub id: &'static str,
    /// The label of the name field, e.g. "Department name".
    pub label: &'static str,
}

/// The latest outcome of the table's rename and delete actions, as a message or an error:
/// starting one action replaces what the other one said.
pub fn table_outcome<R, D>(
    rename: ServerAction<R>,
    delete: ServerAction<D>,
    renamed: fn(&R::Output) -> String,
    deleted: &'static str,
) -> Signal<Option<Result<String, AppError>>>
where
    R: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    R::Output: Clone + Send + Sync + 'static,
    D: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    D::Output: Clone + Send + Sync + 'static,
{
    let last = RwSignal::new(None);
    Effect::new(move || {
        if let Some(r) = rename.value().get() {
            last.set(Some(r.map(|out| renamed(&out))));
        }
    });
    Effect::new(move || {
        if let Some(r) = delete.value().get() {
            last.set(Some(r.map(|_| deleted.to_string())));
        }
    });
    last.into()
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[component]
pub fn NamedListAdmin(
    nouns: Nouns,
    #[prop(optional)] lead: Option<&'static str>,
    /// Column headings for `NamedRow::usage`.
    usage_columns: Vec<&'static str>,
    rows: Resource<Result<Vec<NamedRow>, AppError>>,
    create_form: FormWrap,
    create_error: Signal<Option<AppError>>,
    created: Signal<Option<String>>,
    rename_form: FormWrap,
    delete_form: FormWrap,
    outcome: Signal<Option<Result<String, AppError>>>,
) -> impl IntoView {
    let Nouns {
        one,
        many,
        id,
        label,
    } = nouns;
    let table_error = Signal::derive(move || outcome.get().and_then(Result::err));
    let table_note = Signal::derive(move || outcome.get().and_then(Result::ok));
    let new_heading = format!("new-{id}-heading");
    let new_labelled = new_heading.clone();
    let list_heading = format!("{id}-list-heading");
    let (list_labelled, list_id) = (list_heading.clone(), list_heading.clone());
    let fields = view! {
        <FormAlert error=create_error/>
        <SuccessNote message=created/>
        <div class="inline-form">
            <Field label name="name" id=format!("new-{id}-name") required=true maxlength=100
                error=create_error/>
            <button type="submit" class="btn btn-primary">{format!("Add {one}")}</button>
        </div>
    }
    .into_any();
    let columns = usage_columns.clone();
    view! {
        <main id="main" tabindex="-1" class="page">
            <h1>{capitalised(many)}</h1>
            {lead.map(|text| view! { <p class="lead">{text}</p> })}
            <section class="card" aria-labelledby=new_labelled>
                <h2 id=new_heading>{format!("New {one}")}</h2>
                {create_form(fields)}
            </section>
            <section aria-labelledby=list_labelled>
                <h2 id=list_id>{format!("All {many}")}</h2>
                <FormAlert error=table_error full=true/>
                <SuccessNote message=table_note/>
                <Transition fallback=move || view! { <p>{format!("Loading {many}…")}</p> }>
                    {move || {
                        let (columns, rename_form, delete_form, list_heading) =
                            (columns.clone(), rename_form.clone(), delete_form.clone(), list_heading.clone());
                        Suspend::new(async move {
                            match rows.await {
                                Ok(list) if list.is_empty() => view! {
                                    <p class="empty">{format!("No {many} yet. Add the first one above.")}</p>
                                }.into_any(),
                                Ok(list) => view! {
                                    <NamedTable list columns nouns rename_form delete_form list_heading/>
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
fn NamedTable(
    list: Vec<NamedRow>,
    columns: Vec<&'static str>,
    nouns: Nouns,
    rename_form: FormWrap,
    delete_form: FormWrap,
    list_heading: String,
) -> impl IntoView {
    view! {
        // Focusable so keyboard users can scroll a table wider than a phone screen.
        <div class="table-wrap" role="region" aria-labelledby=list_heading tabindex="0">
            <table>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        {columns.iter().map(|c| view! { <th scope="col" class="num">{*c}</th> }).collect_view()}
                        <th scope="col">"Actions"</th>
                    </tr>
                </thead>
                <tbody>
                    {list.into_iter().map(|row| {
                        let rename_id = format!("rename-{}-{}", nouns.id, row.id);
                        let rename_fields = view! {
                            <input type="hidden" name="id" value=row.id/>
                            <label for=rename_id.clone()>"New name for " {row.name.clone()}</label>
                            <input id=rename_id name="name" value=row.name.clone() required maxlength="100"/>
                            <button type="submit" class="btn">"Save name"</button>
                        }.into_any();
                        let delete_fields = view! {
                            <input type="hidden" name="id" value=row.id/>
                            <button type="submit" class="btn btn-danger"
                                aria-label=format!("Delete {}", row.name)>"Delete"</button>
                        }.into_any();
                        view! {
                            <tr>
                                <th scope="row">{row.name.clone()}</th>
                                {row.usage.iter().map(|n| view! { <td class="num">{*n}</td> }).collect_view()}
                                <td class="actions">
                                    <details class="rename">
                                        <summary>"Rename"</summary>
                                        {rename_form(rename_fields)}
                                    </details>
                                    {delete_form(delete_fields)}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
