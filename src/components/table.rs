//! The app's data tables: each in a region of its own.

use leptos::{either::Either, prelude::*};

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
    /// Where narrow screens stack a row's cells as a card, each cell is named by its
    /// column's heading: the headings go on the table as `--l1`, `--l2`, … for the style
    /// sheet's `td:nth-child(n)::before`. Once per table, not an attribute per cell (250 on
    /// a page of staff's list: 5 KB of its HTML).
    #[prop(optional)]
    card_labels: bool,
    columns: Vec<Column>,
    /// The rows written as HTML instead of `children` (the ticket list: its rows are text
    /// for speed, see tickets/pages/table.rs), with the body for what moves in them.
    #[prop(optional)]
    rows_html: Option<String>,
    #[prop(optional)] body_ref: Option<NodeRef<leptos::html::Tbody>>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let labels = card_labels.then(|| {
        columns
            .iter()
            .enumerate()
            .map(|(i, c)| format!("--l{}:\"{}\";", i + 1, c.heading))
            .collect::<String>()
    });
    view! {
        <div class="table-wrap" role="region" aria-labelledby=labelled_by aria-label=label tabindex="0">
            <table class=class style=labels>
                <thead>
                    <tr>
                        {columns.into_iter().map(|c| view! {
                            <th scope="col" class=c.numeric.then_some("num")>{c.heading}</th>
                        }).collect_view()}
                    </tr>
                </thead>
                {match rows_html {
                    Some(rows) => Either::Left(view! {
                        <tbody node_ref=body_ref.unwrap_or_default() inner_html=rows></tbody>
                    }),
                    None => Either::Right(view! { <tbody>{children.map(|c| c())}</tbody> }),
                }}
            </table>
        </div>
    }
}
