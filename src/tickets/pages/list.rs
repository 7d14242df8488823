//! `/tickets`: a user's own tickets, or every ticket for an admin, filtered by the URL query.
//! With JavaScript each control rewrites the URL as it changes (the list follows the URL);
//! without it the same controls submit as a GET form to the same URL.

use super::{
    super::{
        api::{list_tickets, ticket_choices},
        model::{
            MARK_END, MARK_START, PageAt, SEARCH_LIMIT, TicketFilter, TicketOptions, TicketPage,
            TicketQuery, TicketStatus,
        },
    },
    StatusBadge,
};
use crate::{
    components::{Guard, LoadError, Time, use_auth},
    error::AppError,
    lists::Choice,
    live::use_live,
    users::api::suggest_users,
};
use leptos::{html, prelude::*};
use leptos_meta::Title;
use leptos_router::{
    NavigateOptions,
    hooks::{use_navigate, use_query_map},
};
use std::time::Duration;

#[component]
pub fn TicketsPage() -> impl IntoView {
    let query = use_query_map();
    let current = Memo::new(move |_| TicketQuery::from_params(&query.read()));
    // Refetched when the URL changes and when a visible ticket changes anywhere (live).
    // Made outside the Guard: see `Guard` for why.
    let live = use_live();
    let page = Resource::new(
        move || (current.get(), live.any()),
        |(q, _)| list_tickets(q.filter, q.page),
    );
    let choices = Resource::new(|| (), |_| ticket_choices());
    view! {
        <Guard>
            <TicketList current page choices/>
        </Guard>
    }
}

#[component]
fn TicketList(
    current: Memo<TicketQuery>,
    page: Resource<Result<TicketPage, AppError>>,
    choices: Resource<Result<TicketOptions, AppError>>,
) -> impl IntoView {
    let auth = use_auth();

    view! {
        <main id="main" tabindex="-1" class="page">
            <Transition fallback=|| view! { <h1>"Tickets"</h1> }>
                {move || Suspend::new(async move {
                    let admin = auth.user.await.ok().flatten().is_some_and(|u| u.is_admin);
                    let choices = choices.await.unwrap_or_default();
                    let heading = if admin { "Tickets" } else { "My tickets" };
                    view! {
                        <Title text=heading/>
                        <div class="page-head">
                            <h1>{heading}</h1>
                            <a class="btn btn-primary" href="/tickets/new">"New ticket"</a>
                        </div>
                        <FilterBar current choices admin/>
                    }
                })}
            </Transition>
            <section class="results" aria-labelledby="results-heading">
                <h2 id="results-heading" class="visually-hidden">"Results"</h2>
                <Transition fallback=|| view! { <p>"Loading tickets…"</p> }>
                    {move || Suspend::new(async move {
                        let admin = auth.user.await.ok().flatten().is_some_and(|u| u.is_admin);
                        match page.await {
                            Ok(p) => view! { <Results page=p current=current.get_untracked() admin/> }.into_any(),
                            Err(error) => view! { <LoadError error/> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </main>
    }
}

/// The filter controls. Their state is the URL's: they show it and change it.
#[component]
fn FilterBar(current: Memo<TicketQuery>, choices: TicketOptions, admin: bool) -> impl IntoView {
    let navigate = use_navigate();
    let go = move |edit: &dyn Fn(&mut TicketFilter), replace: bool| {
        let mut q = current.get_untracked();
        edit(&mut q.filter);
        q.page = PageAt::First;
        navigate(
            &format!("/tickets{}", q.to_query_string()),
            NavigateOptions {
                replace,
                scroll: false,
                ..Default::default()
            },
        );
    };
    // Typing waits for a pause, so the list does not refetch on every keystroke and the
    // history gets one entry per search, not one per letter.
    let search = NodeRef::<html::Input>::new();
    let typing = StoredValue::new(None::<TimeoutHandle>);
    let apply_search = {
        let go = go.clone();
        move || {
            if let Some(handle) = typing.get_value() {
                handle.clear();
            }
            let text = search.get().map(|i| i.value()).unwrap_or_default();
            go(
                &move |f| f.text = Some(text.trim().to_string()).filter(|t| !t.is_empty()),
                true,
            );
        }
    };
    let on_search = {
        let apply = apply_search.clone();
        move |_| {
            if let Some(handle) = typing.get_value() {
                handle.clear();
            }
            let apply = apply.clone();
            typing.set_value(set_timeout_with_handle(apply, Duration::from_millis(250)).ok());
        }
    };
    // Back/forward or "Clear filters" change the URL: show its text unless it is only the
    // typed text with different spacing (rewriting that would move the caret).
    Effect::new(move || {
        let text = current.with(|q| q.filter.text.clone().unwrap_or_default());
        if let Some(input) = search.get()
            && input.value().trim() != text
        {
            input.set_value(&text);
        }
    });
    let hydrated = RwSignal::new(false);
    Effect::new(move || hydrated.set(true));

    let initial = current.get_untracked();
    let f = initial.filter;
    let id_value = |id: Option<i64>| id.map(|i| i.to_string()).unwrap_or_default();
    let select_id = move |value: String| value.trim().parse::<i64>().ok();

    let status_boxes = TicketStatus::ALL.map(|status| {
        let go = go.clone();
        let checked = move || current.with(|q| q.filter.statuses.contains(&status));
        view! {
            <label class="check">
                <input type="checkbox" name="status" value=status.as_str()
                    checked=f.statuses.contains(&status)
                    prop:checked=checked
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        go(&move |f: &mut TicketFilter| {
                            f.statuses.retain(|s| *s != status);
                            if on {
                                f.statuses.push(status);
                                // Keep a stable order in the URL.
                                f.statuses.sort_by_key(|s| TicketStatus::ALL.iter().position(|a| a == s));
                            }
                        }, false);
                    }/>
                {status.label()}
            </label>
        }
    });

    let select = {
        let go = go.clone();
        move |label: &'static str,
              name: &'static str,
              all: &'static str,
              list: Vec<Choice>,
              chosen: Option<i64>,
              read: fn(&TicketFilter) -> Option<i64>,
              write: fn(&mut TicketFilter, Option<i64>)| {
            let go = go.clone();
            let id = format!("filter-{name}");
            view! {
                <div class="field">
                    <label for=id.clone()>{label}</label>
                    <select id=id name=name
                        prop:value=move || id_value(current.with(|q| read(&q.filter)))
                        on:change=move |ev| {
                            let value = select_id(event_target_value(&ev));
                            go(&move |f| write(f, value), false);
                        }>
                        <option value="" selected=chosen.is_none()>{all}</option>
                        {list.into_iter().map(|c| view! {
                            <option value=c.id.to_string() selected=chosen == Some(c.id)>{c.name}</option>
                        }).collect_view()}
                    </select>
                </div>
            }
        }
    };
    let department = select(
        "Department",
        "department",
        "All departments",
        choices.departments,
        f.department_id,
        |f| f.department_id,
        |f, v| f.department_id = v,
    );
    let kind = select(
        "Request type",
        "type",
        "All request types",
        choices.request_types,
        f.request_type_id,
        |f| f.request_type_id,
        |f, v| f.request_type_id = v,
    );
    let requester = admin.then(|| {
        let go = go.clone();
        view! { <RequesterFilter current initial=f.requester.clone() go/> }
    });
    let on_sort = {
        let go = go.clone();
        move |ev| {
            let oldest = event_target_value(&ev) == "oldest";
            go(&move |f| f.oldest_first = oldest, false);
        }
    };

    view! {
        <form class="filters card" method="get" action="/tickets" role="search"
            aria-label="Filter tickets"
            on:submit=move |ev| {
                // Everything already applies as it changes; Enter in the search box applies
                // the text at once instead of waiting for the pause.
                ev.prevent_default();
                apply_search();
            }>
            <div class="field filter-search">
                <label for="filter-q">"Search"</label>
                <input id="filter-q" type="search" name="q" node_ref=search
                    value=f.text.clone().unwrap_or_default()
                    placeholder="Words, a number, part of a comment" autocomplete="off" maxlength="200"
                    on:input=on_search/>
            </div>
            <fieldset class="field filter-status">
                <legend>"Status"</legend>
                <div class="checks">{status_boxes}</div>
            </fieldset>
            {department}
            {kind}
            {requester}
            <div class="field">
                <label for="filter-sort">"Sort"</label>
                <select id="filter-sort" name="sort"
                    prop:value=move || if current.with(|q| q.filter.oldest_first) { "oldest" } else { "" }
                    on:change=on_sort>
                    <option value="" selected=!f.oldest_first>"Newest first"</option>
                    <option value="oldest" selected=f.oldest_first>"Oldest first"</option>
                </select>
            </div>
            <div class="filter-actions">
                // Without JavaScript the filters apply on submit; with it they apply as they change.
                <button type="submit" class="btn" hidden=move || hydrated.get()>"Apply filters"</button>
                <a href="/tickets" class="btn btn-quiet"
                    hidden=move || !current.with(TicketQuery::is_filtered)>"Clear filters"</a>
            </div>
        </form>
    }
}

/// An admin's "Requested by" filter: a username field that suggests names as one types
/// (a native datalist, filled from the server), so the page never carries the whole list
/// of people. Without JavaScript it is a plain field of the filter form.
#[component]
fn RequesterFilter(
    current: Memo<TicketQuery>,
    initial: Option<String>,
    go: impl Fn(&dyn Fn(&mut TicketFilter), bool) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let field = NodeRef::<html::Input>::new();
    let suggestions = RwSignal::new(Vec::<String>::new());
    let asked = StoredValue::new(None::<TimeoutHandle>);
    let pick = go.clone();
    let on_input = move |_| {
        if let Some(handle) = asked.get_value() {
            handle.clear();
        }
        let prefix = field.get().map(|i| i.value()).unwrap_or_default();
        // Picking a suggestion (or typing a whole name that is one) applies it at once.
        let name = prefix.trim().to_lowercase();
        if suggestions.with_untracked(|list| list.contains(&name)) {
            pick(&move |f| f.requester = Some(name.clone()), false);
        }
        let fetch = move || {
            leptos::task::spawn_local(async move {
                suggestions.set(suggest_users(prefix).await.unwrap_or_default());
            });
        };
        asked.set_value(set_timeout_with_handle(fetch, Duration::from_millis(150)).ok());
    };
    // `change` fires on Enter or on leaving the field.
    let on_change = move |_| {
        let name = field.get().map(|i| i.value()).unwrap_or_default();
        let name = Some(name.trim().to_lowercase()).filter(|n| !n.is_empty());
        go(&move |f| f.requester = name.clone(), false);
    };
    // Back/forward or "Clear filters": show the URL's name.
    Effect::new(move || {
        let name = current.with(|q| q.filter.requester.clone().unwrap_or_default());
        if let Some(input) = field.get()
            && input.value().trim().to_lowercase() != name
        {
            input.set_value(&name);
        }
    });
    view! {
        <div class="field">
            <label for="filter-requester">"Requested by"</label>
            <input id="filter-requester" type="text" name="requester" node_ref=field
                value=initial.unwrap_or_default() list="requester-suggestions"
                placeholder="Anyone (type a username)" autocomplete="off" maxlength="32"
                spellcheck="false" autocapitalize="none"
                on:input=on_input on:change=on_change/>
            <datalist id="requester-suggestions">
                {move || suggestions.get().into_iter().map(|name| view! {
                    <option value=name/>
                }).collect_view()}
            </datalist>
        </div>
    }
}

/// Text with the words a search matched marked. The text stays text: the marks are split
/// out here, never interpreted as HTML.
#[component]
fn Marked(text: String) -> impl IntoView {
    let mut parts = Vec::new();
    for (i, chunk) in text.split(MARK_START).enumerate() {
        match chunk.split_once(MARK_END) {
            Some((hit, rest)) if i > 0 => {
                parts.push(view! { <mark>{hit.to_string()}</mark> }.into_any());
                parts.push(rest.to_string().into_any());
            }
            _ => parts.push(chunk.replace(MARK_END, "").into_any()),
        }
    }
    parts
}

/// Counts, the table and the pager for one page of results.
#[component]
fn Results(page: TicketPage, current: TicketQuery, admin: bool) -> impl IntoView {
    let total: i64 = page
        .counts
        .iter()
        .filter(|(s, _)| current.filter.statuses.is_empty() || current.filter.statuses.contains(s))
        .map(|(_, n)| n)
        .sum();
    let counts = view! {
        <div class="status-counts">
            <p class="result-count">
                {format!(
                    "{total}{} ticket{}",
                    if page.more_matches { "+" } else { "" },
                    if total == 1 && !page.more_matches { "" } else { "s" },
                )}
            </p>
            <ul aria-label="Tickets by status">
                {page.counts.iter().map(|(status, n)| view! {
                    <li><StatusBadge status=*status/>" "<span class="count">{*n}</span></li>
                }).collect_view()}
            </ul>
        </div>
    };
    if page.tickets.is_empty() {
        let empty = if current.is_filtered() {
            view! {
                <div class="empty">
                    <p>"No tickets match these filters."</p>
                    <p><a href="/tickets">"Clear filters"</a></p>
                </div>
            }
            .into_any()
        } else if admin {
            view! { <div class="empty"><p>"No tickets yet."</p></div> }.into_any()
        } else {
            view! {
                <div class="empty">
                    <p>"You have no tickets yet."</p>
                    <p><a class="btn btn-primary" href="/tickets/new">"New ticket"</a></p>
                </div>
            }
            .into_any()
        };
        return view! { {counts} {empty} }.into_any();
    }
    let link = |at: PageAt| {
        let q = TicketQuery {
            page: at,
            ..current.clone()
        };
        format!("/tickets{}", q.to_query_string())
    };
    let ranked = page.ranked.then(|| {
        let full = page.tickets.len() as i64 >= SEARCH_LIMIT;
        view! {
            <p class="hint">
                {if page.more_matches {
                    "Best matches among the most recent, best first. Add words or filters to reach further back.".to_string()
                } else if full {
                    format!("The {SEARCH_LIMIT} best matches, best first. Add words to narrow the search.")
                } else {
                    "Best matches first.".to_string()
                }}
            </p>
        }
    });
    let prev = page.prev.map(|c| link(PageAt::Before(c)));
    let next = page.next.map(|c| link(PageAt::After(c)));
    view! {
        {counts}
        {ranked}
        <div class="table-wrap" role="region" aria-label="Ticket list" tabindex="0">
            <table class="tickets">
                <thead>
                    <tr>
                        <th scope="col">"Number"</th>
                        <th scope="col">"Subject"</th>
                        <th scope="col">"Type"</th>
                        <th scope="col">"Department"</th>
                        {admin.then(|| view! { <th scope="col">"Requested by"</th> })}
                        <th scope="col">"Status"</th>
                        <th scope="col">"Started"</th>
                        <th scope="col">"Finished"</th>
                        <th scope="col" class="num">"Comments"</th>
                    </tr>
                </thead>
                <tbody>
                    {page.tickets.into_iter().map(|t| view! {
                        // data-label names each cell where narrow screens stack them as a card.
                        <tr>
                            <td class="nowrap cell-no" data-label="Number">
                                <a href=format!("/tickets/{}", t.service_request_no)>{t.service_request_no.clone()}</a>
                            </td>
                            <td class="subject" data-label="Subject">
                                <Marked text=t.subject/>
                                {t.snippet.map(|text| view! {
                                    <span class="snippet"><Marked text/></span>
                                })}
                            </td>
                            <td data-label="Type">{t.request_type}</td>
                            <td data-label="Department">{t.department}</td>
                            {admin.then(|| view! { <td data-label="Requested by">{t.requester}</td> })}
                            <td class="cell-status" data-label="Status"><StatusBadge status=t.status/></td>
                            <td class="nowrap" data-label="Started"><Time ms=t.date_started date_only=true/></td>
                            <td class="nowrap" data-label="Finished">{match t.date_finished {
                                Some(ms) => view! { <Time ms date_only=true/> }.into_any(),
                                None => view! { <span class="muted">"—"</span> }.into_any(),
                            }}</td>
                            <td class="num" data-label="Comments">{t.comment_count}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        {(prev.is_some() || next.is_some()).then(|| view! {
            <nav class="pager" aria-label="Pages">
                {prev.map(|href| view! { <a class="btn" href=href>"← Previous page"</a> })}
                {next.map(|href| view! { <a class="btn" href=href>"Next page →"</a> })}
            </nav>
        })}
    }
    .into_any()
}
