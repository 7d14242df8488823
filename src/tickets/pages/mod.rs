//! The ticket pages: the list (`/tickets`), the form (`/tickets/new`) and a ticket's own page.

mod detail;
mod home;
mod list;
mod new;
mod table;
mod thread;

pub use detail::TicketPage;
pub use home::HomePage;
pub use list::TicketsPage;
pub use new::NewTicketPage;

use super::model::{Priority, TicketStatus};
use leptos::prelude::*;

#[component]
fn StatusBadge(status: TicketStatus) -> impl IntoView {
    view! { <span class=format!("badge badge-{}", status.as_str())>{status.label()}</span> }
}

#[component]
fn PriorityBadge(priority: Priority) -> impl IntoView {
    view! { <span class=format!("badge priority-{}", priority.as_str())>{priority.label()}</span> }
}

/// How long until `due` (or how late), moving with the page's clock; red once overdue, the
/// exact time in its tooltip. `what` names the target ("First response").
#[component]
fn DueLabel(due: i64, server_now: i64, what: &'static str) -> impl IntoView {
    use super::sla::model::due_text;
    let clock = crate::components::use_clock();
    let left = move || due - clock.map_or(server_now, |c| c.now(server_now));
    let class = move || due_class(left());
    let exact = format!(
        "{what} due {}",
        crate::time::UtcTime::from_ms(due).display()
    );
    view! { <span class=class title=exact>{move || due_text(left())}</span> }
}

/// A due label's classes, `left_ms` before it falls due: red once overdue, amber in its
/// last hour.
fn due_class(left_ms: i64) -> &'static str {
    match left_ms {
        l if l < 0 => "due due-overdue",
        l if l < 3_600_000 => "due due-soon",
        _ => "due",
    }
}
