//! The app's data tables: each in a region of its own.

use leptos::prelude::*;

/// A column heading; `numeric` ones are right-aligned.
pub struct Column {
    pub heading: &'static str,
    pub numeric: bool,
}

pub fn col(heading: &'static str) -> Column {
    Column {
        heading,
        numeric: false,
    }
}

pub fn num(heading: &'static str) -> Column {
    Column {
        heading,
        numeric: true,
    }
}

/// A table whose rows are `children`. Wider than a phone screen, it scrolls inside its
/// region, which is focusable so keyboard users can scroll it too. The region is named by
/// the heading `labelled_by` points at, or by `label`.
#[component]
pub fn DataTable(
    #[prop(optional, into)] labelled_by: Option<String>,
    #[prop(optional)] label: Option<&'static str>,
    #[prop(optional)] class: Option<&'static str>,
    columns: Vec<Column>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="table-wrap" role="region" aria-labelledby=labelled_by aria-label=label tabindex="0">
            <table class=class>
                <thead>
                    <tr>
                        {columns.into_iter().map(|c| view! {
                            <th scope="col" class=c.numeric.then_some("num")>{c.heading}</th>
                        }).collect_view()}
                    </tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}
