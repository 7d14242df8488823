//! Home: a welcome, the way to a new ticket, and one's own tickets by status (admins: the
//! administration pages).

use crate::{
    auth::{Guard, use_auth},
    components::past_dry_runs,
    error::AppError,
    live::use_live,
    text::thousands,
    tickets::{api::my_ticket_counts, model::TicketStatus},
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    // Made outside the Guard: see `Guard` for why. Live, like the list.
    let live = use_live();
    let mine = Resource::new(move || live.any(), |_| my_ticket_counts());
    view! {
        <Title text="Home"/>
        <Guard>
            <Home mine/>
        </Guard>
    }
}

#[component]
fn Home(mine: Resource<Result<Vec<(TicketStatus, i64)>, AppError>>) -> impl IntoView {
    let auth = use_auth();
    view! {
        <main id="main" tabindex="-1" class="page">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let user = auth.user.await.ok().flatten();
                    past_dry_runs().await;
                    user.map(|user| view! {
                        <h1>"Welcome, " {user.username.clone()}</h1>
                        <p class="lead">"Ask for help, then follow your request until it is done."</p>
                        <p class="actions-row">
                            <a class="btn btn-primary" href="/tickets/new">"New ticket"</a>
                            <a class="btn" href="/tickets">{if user.is_staff { "All tickets" } else { "My tickets" }}</a>
                        </p>
                        <MySummary mine staff=user.is_staff/>
                        {user.is_admin.then(|| view! {
                            <section class="tiles" aria-labelledby="admin-heading">
                                <h2 id="admin-heading">"Administration"</h2>
                                <ul class="tile-list">
                                    <li class="card tile">
                                        <a href="/dashboard">"Dashboard"</a>
                                        <p>"Open tickets at a glance, weekly trends and how long tickets take."</p>
                                    </li>
                                    <li class="card tile">
                                        <a href="/admin/users">"Users"</a>
                                        <p>"Create accounts, set roles and departments, deactivate people who left."</p>
                                    </li>
                                    <li class="card tile">
                                        <a href="/admin/departments">"Departments"</a>
                                        <p>"The departments tickets and people belong to."</p>
                                    </li>
                                    <li class="card tile">
                                        <a href="/admin/request-types">"Request types"</a>
                                        <p>"What people can ask for when they open a ticket."</p>
                                    </li>
                                </ul>
                            </section>
                        })}
                    })
                })}
            </Transition>
        </main>
    }
}

/// A user's own tickets by status, or staff's queue (the tickets assigned to them), each
/// count linking to its list.
#[component]
fn MySummary(
    mine: Resource<Result<Vec<(TicketStatus, i64)>, AppError>>,
    staff: bool,
) -> impl IntoView {
    let (label, list) = if staff {
        ("My queue by status", "/tickets?assignee=me&status=")
    } else {
        ("My tickets by status", "/tickets?status=")
    };
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let mine = mine.await.ok();
                past_dry_runs().await;
                mine.map(|counts| view! {
                    <ul class="stat-tiles" aria-label=label>
                        {counts.into_iter().map(|(status, n)| view! {
                            <li class="card stat-tile">
                                <a href=format!("{list}{}", status.as_str())>
                                    <span class="stat-value">{thousands(n)}</span>
                                    <span class="stat-label">{status.label()}</span>
                                </a>
                            </li>
                        }).collect_view()}
                    </ul>
                })
            })}
        </Transition>
    }
}
