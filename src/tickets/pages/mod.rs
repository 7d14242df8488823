//! The ticket pages: the list (`/tickets`), the form (`/tickets/new`) and a ticket's own page.

mod detail;
mod home;
mod list;
mod new;

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
