//! `/tickets`: a user's own tickets, or every ticket for staff, filtered by the URL query.
//! With JavaScript each control rewrites the URL as it changes (the list follows the URL);
//! without it the same controls submit as a GET form to the same URL.

use super::{
    super::{
        api::{BulkTriage, SetTicketAssignee, list_tickets, ticket_choices},
        model::{
            ASSIGNED_TO_INACTIVE, ASSIGNED_TO_ME, DueFilter, MAX_BULK, PAGE_SIZE, PAGE_SIZES,
            PageAt, Priority, SEARCH_LIMIT, Sort, TicketFilter, TicketOptions, TicketPage,
            TicketQuery, TicketStatus, TicketSummary, UNASSIGNED, page_size,
        },
    },
    StatusBadge,
    table::{Selection, TicketTable},
};
use crate::auth::{Guard, use_auth};
use crate::{
    components::{
        Field, FormAlert, LoadError, SelectField, SuccessNote, action_error, html::options,
        hydrated, past_dry_runs,
    },
    error::AppError,
    lists::Choice,
    live::use_live,
    text::thousands,
    users::api::suggest_users,
};
use leptos::{html, prelude::*};
use leptos_meta::Title;
use leptos_router::{
    NavigateOptions,
    hooks::{use_navigate, use_query_map},
};
use std::time::Duration;

/// The list's one piece of state, the URL query: every control reads it and changes it
/// through `change`, which navigates (the list follows the URL).
#[derive(Clone, Copy)]
struct ListQuery {
    current: Memo<TicketQuery>,
    navigate: Callback<(String, bool)>,
}

impl ListQuery {
    /// Made by the page; its controls get it with `use_list_query`.
    fn provide() -> ListQuery {
        let query = use_query_map();
        let navigate = use_navigate();
        let list = ListQuery {
            current: Memo::new(move |_| TicketQuery::from_params(&query.read())),
            navigate: Callback::new(move |(url, replace): (String, bool)| {
                navigate(
                    &url,
                    NavigateOptions {
                        replace,
                        scroll: false,
                        ..Default::default()
                    },
                )
            }),
        };
        provide_context(list);
        list
    }

    /// Edits the filter and goes back to the first page; `replace` keeps typing out of the
    /// history.
    fn change(self, edit: impl FnOnce(&mut TicketFilter), replace: bool) {
        self.change_view(|q| edit(&mut q.filter), replace);
    }

    /// `change` for what is not a filter (the page size); back to the first page.
    fn change_view(self, edit: impl FnOnce(&mut TicketQuery), replace: bool) {
        let mut q = self.current.get_untracked();
        edit(&mut q);
        q.page = PageAt::First;
        self.navigate
            .run((format!("/tickets{}", q.to_query_string()), replace));
    }
}

fn use_list_query() -> ListQuery {
    expect_context()
}

#[component]
pub fn TicketsPage() -> impl IntoView {
    let query = ListQuery::provide();
    let current = query.current;
    // Refetched when the URL changes and when a visible ticket changes anywhere (live).
    // Made outside the Guard: see `Guard` for why.
    let live = use_live();
    let bulk = ServerAction::<BulkTriage>::new();
    let page = Resource::new(
        move || (current.get(), live.any(), bulk.version().get()),
        |(q, ..)| async move {
            list_tickets(q.filter, q.page, q.per_page)
                .await
                .map(Shown::from)
        },
    );
    let choices = Resource::new(|| (), |_| ticket_choices());
    // Outside the Guard too: the ticks outlive the Guard's re-renders of the list.
    let selection = Selection::new();
    view! {
        <Guard>
            <TicketList page choices bulk selection/>
        </Guard>
    }
}

#[component]
fn TicketList(
    page: Resource<Result<Shown, AppError>>,
    choices: Resource<Result<TicketOptions, AppError>>,
    bulk: ServerAction<BulkTriage>,
    /// Staff's ticks and the focused tick box, kept across refetches of the rows.
    selection: Selection,
) -> impl IntoView {
    let auth = use_auth();
    let current = use_list_query().current;
    let cursor = RwSignal::new(None::<usize>);
    view! {
        <main id="main" tabindex="-1" class="page page-wide">
            <Transition fallback=|| view! { <h1>"Tickets"</h1> }>
                {move || Suspend::new(async move {
                    let staff = auth.user.await.ok().flatten().is_some_and(|u| u.is_staff);
                    let choices = choices.await.unwrap_or_default();
                    past_dry_runs().await;
                    let heading = if staff { "Tickets" } else { "My tickets" };
                    view! {
                        <Title text=heading/>
                        <div class="page-head">
                            <h1>{heading}</h1>
                            <a class="btn btn-primary" href="/tickets/new">"New ticket"</a>
                        </div>
                        <FilterBar choices staff/>
                    }
                })}
            </Transition>
            <section class="results" aria-labelledby="results-heading">
                <h2 id="results-heading" class="visually-hidden">"Results"</h2>
                <Transition fallback=|| view! { <p>"Loading tickets…"</p> }>
                    {move || Suspend::new(async move {
                        let me = auth.user.await.ok().flatten();
                        let (staff, compact) = me.map_or((false, false), |u| (u.is_staff, u.compact));
                        let page = page.await;
                        let departments = choices.await.map(|c| c.departments).unwrap_or_default();
                        past_dry_runs().await;
                        match page {
                            Ok(p) => {
                                let bulk = staff.then_some((bulk, departments));
                                view! { <Results page=p current=current.get_untracked() bulk compact cursor selection/> }.into_any()
                            }
                            Err(error) => view! { <LoadError error/> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </main>
    }
}

/// The filter controls, a GET form without JavaScript. Their state is the URL's.
#[component]
fn FilterBar(choices: TicketOptions, staff: bool) -> impl IntoView {
    let query = use_list_query();
    let search = Search::new();
    let hydrated = hydrated();
    let f = query.current.get_untracked().filter;
    // On a phone the filters fold behind a toggle saying how many are on. A checkbox (CSS
    // shows the form while it is ticked), not a scripted button: it works before the WASM
    // arrives and without JavaScript, and the server's page already has the folded
    // layout, so nothing moves when the page hydrates (a scripted fold moved the results
    // 500 px up: Lighthouse's layout shift 0.35, /tickets 96 -> 79).
    let on = move || query.current.with(|q| active_filters(&q.filter));
    view! {
        <label class="btn filters-toggle">
            <input type="checkbox" id="show-filters" aria-controls="filters"/>
            {move || match on() {
                0 => "Show filters".to_string(),
                n => format!("Show filters ({n} on)"),
            }}
        </label>
        <form class="filters card" id="filters" method="get" action="/tickets" role="search"
            aria-label="Filter tickets"
            on:submit=move |ev| {
                // Everything already applies as it changes; Enter in the search box applies
                // the text at once instead of waiting for the pause.
                ev.prevent_default();
                search.apply(query);
            }>
            <SearchBox search initial=f.text.clone().unwrap_or_default()/>
            <StatusFilter initial=f.statuses.clone()/>
            <ChoiceFilter label="Department" name="department" all="All departments"
                list=choices.departments chosen=f.department_id
                read=|f| f.department_id write=|f, v| f.department_id = v/>
            <ChoiceFilter label="Request type" name="type" all="All request types"
                list=choices.request_types chosen=f.request_type_id
                read=|f| f.request_type_id write=|f, v| f.request_type_id = v/>
            {staff.then(|| view! { <RequesterFilter initial=f.requester.clone()/> })}
            {staff.then(|| view! { <AssigneeFilter chosen=f.assignee.clone()/> })}
            {staff.then(|| view! { <PriorityFilter chosen=f.priorities.first().copied()/> })}
            {staff.then(|| view! { <DueFilterSelect chosen=f.due/> })}
            <SortFilter initial=f.sort staff/>
            <PerPage chosen=query.current.get_untracked().per_page/>
            <div class="filter-actions">
                // Without JavaScript the filters apply on submit; with it they apply as they change.
                <button type="submit" class="btn" hidden=move || hydrated.get()>"Apply filters"</button>
                <a href="/tickets" class="btn btn-quiet"
                    hidden=move || !query.current.with(TicketQuery::is_filtered)>"Clear filters"</a>
                // Every ticket these filters pick, not one page; `download` keeps the router
                // from taking it for a page of the app.
                <a class="btn btn-quiet" download="tickets.csv"
                    href=move || {
                        let filter = query.current.with(|q| q.filter.clone());
                        let all = TicketQuery { filter, page: PageAt::First, per_page: None };
                        format!("/tickets.csv{}", all.to_query_string())
                    }>"Download CSV"</a>
            </div>
        </form>
    }
}

/// How many filters narrow the list (the search words count as one).
fn active_filters(f: &TicketFilter) -> usize {
    [
        f.text.is_some(),
        !f.statuses.is_empty(),
        f.department_id.is_some(),
        f.request_type_id.is_some(),
        f.requester.is_some(),
        f.assignee.is_some(),
        !f.priorities.is_empty(),
        f.due.is_some(),
        f.started.is_set(),
        f.finished.is_set(),
    ]
    .into_iter()
    .filter(|on| *on)
    .count()
}

/// The search box's text and the pause it waits for: typing applies after a pause, so the
/// list does not refetch on every keystroke and the history gets one entry per search.
#[derive(Clone, Copy)]
struct Search {
    input: NodeRef<html::Input>,
    typing: StoredValue<Option<TimeoutHandle>>,
}

impl Search {
    fn new() -> Search {
        Search {
            input: NodeRef::new(),
            typing: StoredValue::new(None),
        }
    }

    fn apply(self, query: ListQuery) {
        // The pause may end after the page was left (Enter on a ticket, a link): the filter
        // bar is gone then, and so is the search.
        let Some(pending) = self.typing.try_get_value() else {
            return;
        };
        if let Some(handle) = pending {
            handle.clear();
        }
        let Some(input) = self.input.try_get() else {
            return;
        };
        let text = input.map(|i| i.value()).unwrap_or_default();
        query.change(
            move |f| f.text = Some(text.trim().to_string()).filter(|t| !t.is_empty()),
            true,
        );
    }

    fn after_pause(self, query: ListQuery) {
        if let Some(handle) = self.typing.get_value() {
            handle.clear();
        }
        let apply = move || self.apply(query);
        self.typing
            .set_value(set_timeout_with_handle(apply, Duration::from_millis(250)).ok());
    }
}

#[component]
fn SearchBox(search: Search, initial: String) -> impl IntoView {
    let query = use_list_query();
    // Back/forward or "Clear filters" change the URL: show its text unless it is only the
    // typed text with different spacing (rewriting that would move the caret).
    Effect::new(move || {
        let text = query
            .current
            .with(|q| q.filter.text.clone().unwrap_or_default());
        if let Some(input) = search.input.get()
            && input.value().trim() != text
        {
            input.set_value(&text);
        }
    });
    view! {
        <div class="field filter-search">
            <label for="filter-q">"Search"</label>
            <input id="filter-q" type="search" name="q" node_ref=search.input
                value=initial
                placeholder="Words, a number, part of a comment" autocomplete="off" maxlength="200"
                on:input=move |_| search.after_pause(query)/>
        </div>
    }
}

/// One checkbox per status; none checked means every status.
#[component]
fn StatusFilter(initial: Vec<TicketStatus>) -> impl IntoView {
    let query = use_list_query();
    let boxes = TicketStatus::ALL.map(|status| {
        let checked = move || query.current.with(|q| q.filter.statuses.contains(&status));
        let on_change = move |ev| {
            let on = event_target_checked(&ev);
            query.change(
                move |f| {
                    f.statuses.retain(|s| *s != status);
                    if on {
                        f.statuses.push(status);
                        // Keep a stable order in the URL.
                        f.statuses
                            .sort_by_key(|s| TicketStatus::ALL.iter().position(|a| a == s));
                    }
                },
                false,
            );
        };
        view! {
            <label class="check">
                <input type="checkbox" name="status" value=status.as_str()
                    checked=initial.contains(&status)
                    prop:checked=checked
                    on:change=on_change/>
                {status.label()}
            </label>
        }
    });
    view! {
        <fieldset class="field filter-status">
            <legend>"Status"</legend>
            <div class="checks">{boxes}</div>
        </fieldset>
    }
}

/// A select over one of the named lists (departments, request types).
#[component]
fn ChoiceFilter(
    label: &'static str,
    name: &'static str,
    all: &'static str,
    list: Vec<Choice>,
    chosen: Option<i64>,
    read: fn(&TicketFilter) -> Option<i64>,
    write: fn(&mut TicketFilter, Option<i64>),
) -> impl IntoView {
    let query = use_list_query();
    let id = format!("filter-{name}");
    let options = options(
        std::iter::once((String::new(), all.to_string()))
            .chain(list.into_iter().map(|c| (c.id.to_string(), c.name))),
        &chosen.map(|id| id.to_string()).unwrap_or_default(),
    );
    let value = move || {
        query
            .current
            .with(|q| read(&q.filter))
            .map(|i| i.to_string())
            .unwrap_or_default()
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select id=id name=name inner_html=options
                prop:value=value
                on:change=move |ev| {
                    let chosen = event_target_value(&ev).trim().parse::<i64>().ok();
                    query.change(move |f| write(f, chosen), false);
                }>
            </select>
        </div>
    }
}

/// Staff's assignee filter: anyone, oneself, nobody, the deactivated agents; a colleague's
/// name when the URL (a click on their name in the list) asks for it.
#[component]
fn AssigneeFilter(chosen: Option<String>) -> impl IntoView {
    let query = use_list_query();
    let mut list = vec![
        (String::new(), "Anyone".to_string()),
        (ASSIGNED_TO_ME.to_string(), "Assigned to me".to_string()),
        (UNASSIGNED.to_string(), "Unassigned".to_string()),
        (
            ASSIGNED_TO_INACTIVE.to_string(),
            "Assigned to an inactive agent".to_string(),
        ),
    ];
    if let Some(name) = chosen
        .as_ref()
        .filter(|c| !list.iter().any(|(v, _)| v == *c))
    {
        list.push((name.clone(), format!("Assigned to {name}")));
    }
    let options = options(list, chosen.as_deref().unwrap_or_default());
    view! {
        <div class="field">
            <label for="filter-assignee">"Assignee"</label>
            <select id="filter-assignee" name="assignee" inner_html=options
                prop:value=move || query.current.with(|q| q.filter.assignee.clone().unwrap_or_default())
                on:change=move |ev| {
                    let chosen = Some(event_target_value(&ev)).filter(|v| !v.is_empty());
                    query.change(move |f| f.assignee = chosen, false);
                }>
            </select>
        </div>
    }
}

/// Staff's priority filter: any, or one priority (the URL may name several).
#[component]
fn PriorityFilter(chosen: Option<Priority>) -> impl IntoView {
    let query = use_list_query();
    let list = Priority::ALL.iter().rev().map(|p| (p.as_str(), p.label()));
    let options = options(
        std::iter::once(("", "Any priority")).chain(list),
        chosen.map_or("", Priority::as_str),
    );
    view! {
        <div class="field">
            <label for="filter-priority">"Priority"</label>
            <select id="filter-priority" name="priority" inner_html=options
                prop:value=move || query.current.with(|q| {
                    q.filter.priorities.first().map(|p| p.as_str().to_string()).unwrap_or_default()
                })
                on:change=move |ev| {
                    let chosen = Priority::parse(&event_target_value(&ev)).ok();
                    query.change(move |f| f.priorities = chosen.into_iter().collect(), false);
                }>
            </select>
        </div>
    }
}

/// Staff's due filter: any, overdue, or due by the end of today.
#[component]
fn DueFilterSelect(chosen: Option<DueFilter>) -> impl IntoView {
    let query = use_list_query();
    let list = DueFilter::ALL.iter().map(|d| (d.as_str(), d.label()));
    let options = options(
        std::iter::once(("", "Any time")).chain(list),
        chosen.map_or("", DueFilter::as_str),
    );
    view! {
        <div class="field">
            <label for="filter-due">"Due"</label>
            <select id="filter-due" name="due" inner_html=options
                prop:value=move || query.current.with(|q| q.filter.due.map(|d| d.as_str()).unwrap_or_default())
                on:change=move |ev| {
                    let chosen = DueFilter::parse(&event_target_value(&ev)).ok();
                    query.change(move |f| f.due = chosen, false);
                }>
            </select>
        </div>
    }
}

/// How many tickets a page shows (more at once for bulk triage).
#[component]
fn PerPage(chosen: Option<i64>) -> impl IntoView {
    let query = use_list_query();
    let list = PAGE_SIZES.iter().map(|n| (n.to_string(), n.to_string()));
    let options = options(list, &page_size(chosen).to_string());
    view! {
        <div class="field">
            <label for="filter-per">"Per page"</label>
            <select id="filter-per" name="per" inner_html=options
                prop:value=move || query.current.with(|q| page_size(q.per_page).to_string())
                on:change=move |ev| {
                    let n = event_target_value(&ev).parse().ok().filter(|n| *n != PAGE_SIZE);
                    query.change_view(move |q| q.per_page = n, false);
                }>
            </select>
        </div>
    }
}

#[component]
fn SortFilter(initial: Sort, staff: bool) -> impl IntoView {
    let query = use_list_query();
    // Requesters' lists show no priorities, so they are not offered that order.
    let list = Sort::ALL
        .into_iter()
        .filter(|s| staff || *s != Sort::Priority)
        .map(|s| (s.as_str(), s.label()));
    let options = options(list, initial.as_str());
    view! {
        <div class="field">
            <label for="filter-sort">"Sort"</label>
            <select id="filter-sort" name="sort" inner_html=options
                prop:value=move || query.current.with(|q| q.filter.sort.as_str())
                on:change=move |ev| {
                    let sort = Sort::parse(&event_target_value(&ev)).unwrap_or_default();
                    query.change(move |f| f.sort = sort, false);
                }>
            </select>
        </div>
    }
}

/// Staff's "Requested by" filter: a username field that suggests names as one types
/// (a native datalist, filled from the server), so the page never carries the whole list
/// of people. Without JavaScript it is a plain field of the filter form.
#[component]
fn RequesterFilter(initial: Option<String>) -> impl IntoView {
    let query = use_list_query();
    let field = NodeRef::<html::Input>::new();
    let suggestions = RwSignal::new(Vec::<String>::new());
    let asked = StoredValue::new(None::<TimeoutHandle>);
    let on_input = move |_| {
        if let Some(handle) = asked.get_value() {
            handle.clear();
        }
        let prefix = field.get().map(|i| i.value()).unwrap_or_default();
        // Picking a suggestion (or typing a whole name that is one) applies it at once.
        let name = prefix.trim().to_lowercase();
        if suggestions.with_untracked(|list| list.contains(&name)) {
            query.change(move |f| f.requester = Some(name), false);
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
        query.change(move |f| f.requester = name, false);
    };
    // Back/forward or "Clear filters": show the URL's name.
    Effect::new(move || {
        let name = query
            .current
            .with(|q| q.filter.requester.clone().unwrap_or_default());
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

/// A page of results as the page's resource holds it. Its JSON goes into the server's
/// page only to hydrate it, where the rows are already written in the table, so it carries
/// the rows' numbers instead of the tickets: on an admin's page of 25 they were 10.4 KB of
/// its 44 KB, written twice over (as JSON, then escaped as a script's string). The page
/// fetched in the browser (a filter, a live change) has its tickets.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Shown {
    /// Empty once hydrated: the table keeps the server's rows (`TicketTable`).
    #[serde(skip)]
    tickets: Vec<TicketSummary>,
    /// The rows' numbers, for j / k and the ticks.
    numbers: Vec<String>,
    /// The rest of the page (its own `tickets` moved out above).
    page: TicketPage,
}

impl From<TicketPage> for Shown {
    fn from(mut page: TicketPage) -> Shown {
        let tickets = std::mem::take(&mut page.tickets);
        let numbers = tickets
            .iter()
            .map(|t| t.service_request_no.clone())
            .collect();
        Shown {
            tickets,
            numbers,
            page,
        }
    }
}

/// Counts, the table and the pager for one page of results.
#[component]
fn Results(
    page: Shown,
    current: TicketQuery,
    /// Staff's: the bulk action and the departments it may move tickets to.
    bulk: Option<(ServerAction<BulkTriage>, Vec<Choice>)>,
    /// The person's density: compact rows.
    compact: bool,
    /// The row chosen with j / k, kept across refetches of the list.
    cursor: RwSignal<Option<usize>>,
    /// Staff's ticks and the focused tick box, kept across refetches too.
    selection: Selection,
) -> impl IntoView {
    let staff = bulk.is_some();
    let Shown {
        tickets,
        numbers,
        page,
    } = page;
    let shown = |s: &TicketStatus| {
        current.filter.statuses.is_empty() || current.filter.statuses.contains(s)
    };
    let total: i64 = page
        .counts
        .iter()
        .filter(|(s, _)| shown(s))
        .map(|(_, n)| n)
        .sum();
    // A count that stopped at its cap is a lower bound, as a bounded search's is.
    let more = page.more_matches || page.capped.iter().any(shown);
    let counts = view! { <StatusCounts counts=page.counts capped=page.capped total more/> };
    if numbers.is_empty() {
        let filtered = current.is_filtered();
        let more = page.more_matches;
        return view! { {counts} <NoResults filtered staff more/> }.into_any();
    }
    let link = |at: PageAt| {
        let q = TicketQuery {
            page: at,
            ..current.clone()
        };
        format!("/tickets{}", q.to_query_string())
    };
    let ranked = page.ranked.then(|| {
        let full = numbers.len() as i64 >= SEARCH_LIMIT;
        view! { <RankedHint more=page.more_matches full/> }
    });
    let prev = page.prev.map(|c| link(PageAt::Before(c)));
    let next = page.next.map(|c| link(PageAt::After(c)));
    // Staff's bulk form and its ticks come together: one Option, no unwrap.
    let bulk = bulk.map(|(action, departments)| {
        selection.show(numbers.clone());
        (action, departments, selection)
    });
    let selection = bulk.as_ref().map(|b| b.2);
    list_shortcuts(numbers, selection, cursor);
    view! {
        {counts}
        {ranked}
        {bulk.map(|(action, departments, selection)| view! {
            <BulkBar action departments selection/>
        })}
        <TicketTable tickets staff now=page.now selection cursor compact/>
        <Pager prev next/>
    }
    .into_any()
}

/// The list's keys: j / k choose the next / previous ticket, Enter opens it; for staff, x
/// ticks it and a assigns it to the caller. Returns the chosen row.
fn list_shortcuts(
    numbers: Vec<String>,
    selection: Option<Selection>,
    cursor: RwSignal<Option<usize>>,
) {
    let auth = use_auth();
    let navigate = use_navigate();
    let assign = ServerAction::<SetTicketAssignee>::new();
    let numbers = StoredValue::new(numbers);
    crate::components::use_shortcuts(
        move || auth.shortcuts_on(),
        move |key| {
            let n = numbers.with_value(Vec::len);
            // Kept while the list refetches (a live change); the page may be shorter now.
            let at = cursor.get_untracked().map(|i| i.min(n.saturating_sub(1)));
            let chosen = at.and_then(|i| numbers.with_value(|list| list.get(i).cloned()));
            match (key, chosen) {
                ("j", _) if n > 0 => cursor.set(Some(at.map_or(0, |i| (i + 1).min(n - 1)))),
                ("k", _) if n > 0 => cursor.set(Some(at.map_or(0, |i| i.saturating_sub(1)))),
                ("Enter", Some(no)) => navigate(&format!("/tickets/{no}"), Default::default()),
                ("x", Some(no)) => match (selection, at) {
                    (Some(sel), Some(i)) => sel.click(i, !sel.has(&no), false),
                    _ => return false,
                },
                ("a", Some(no)) if selection.is_some() => {
                    assign.dispatch(SetTicketAssignee {
                        service_request_no: no,
                        assignee: ASSIGNED_TO_ME.into(),
                    });
                }
                _ => return false,
            }
            true
        },
    );
}

/// Staff's bulk triage: set the status, priority, department or assignee of the ticked
/// tickets at once. A plain form too (the boxes belong to it by `form="bulk"`), so it
/// works without JavaScript.
#[component]
fn BulkBar(
    action: ServerAction<BulkTriage>,
    departments: Vec<Choice>,
    selection: Selection,
) -> impl IntoView {
    let error = action_error(action);
    let done = Signal::derive(move || match action.value().get() {
        Some(Ok(lines)) => Some(lines.join(" ")),
        _ => None,
    });
    Effect::new(move || {
        if matches!(action.value().get(), Some(Ok(_))) {
            selection.all(false);
        }
    });
    let hydrated = hydrated();
    let count = move || match selection.count() {
        0 => "No tickets ticked".to_string(),
        1 => "1 ticket ticked".to_string(),
        n => format!("{n} tickets ticked"),
    };
    let statuses: Vec<(String, String)> = TicketStatus::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), s.label().to_string()))
        .collect();
    let priorities: Vec<(String, String)> = Priority::ALL
        .iter()
        .rev()
        .map(|p| (p.as_str().to_string(), p.label().to_string()))
        .collect();
    let departments: Vec<(String, String)> = departments
        .into_iter()
        .map(|d| (d.id.to_string(), d.name))
        .collect();
    // Folded away until a ticket is ticked (it opens by itself then), so the list starts
    // high on the screen; a <details>, so it opens without JavaScript too.
    // Open too while it shows what the last action did (its summary or its error).
    let open = move || selection.count() > 0 || action.value().with(Option::is_some);
    view! {
        <details class="bulk card" prop:open=open>
            <summary class="bulk-title">
                "Change the ticked tickets · "<span class="bulk-summary-count">{count}</span>
            </summary>
            <ActionForm action attr:id="bulk">
                <FormAlert error/>
                <SuccessNote message=done/>
                <p class="field-error" id="bulk-ticket-error">
                    {move || error.get().and_then(|e| e.for_field("ticket"))}
                </p>
                <div class="bulk-fields">
                    <p class="bulk-count" aria-live="polite">{count}</p>
                    // Needs JavaScript, so shown once the page is interactive.
                    <button type="button" class="btn btn-quiet" hidden=move || !hydrated.get()
                        on:click=move |_| {
                            selection.all(!selection.all_ticked());
                        }>
                        {move || if selection.all_ticked() { "Untick all" } else { "Tick all on this page" }}
                    </button>
                    <SelectField label="Set status" name="status" id="bulk-status" options=statuses
                        placeholder="Unchanged" error/>
                    <SelectField label="Set priority" name="priority" id="bulk-priority" options=priorities
                        placeholder="Unchanged" error/>
                    <SelectField label="Move to department" name="department_id" id="bulk-department"
                        options=departments placeholder="Unchanged" error/>
                    <Field label="Assign to" name="assignee" id="bulk-assignee" maxlength=64
                        hint="A username, “me”, or “none”; empty: unchanged." error/>
                    <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>
                        "Apply"
                    </button>
                </div>
                <p class="hint">{format!("At most {MAX_BULK} tickets at a time. Shift-click a box to tick a range.")}</p>
            </ActionForm>
        </details>
    }
}

/// How many tickets match, and how many of them are in each status.
#[component]
fn StatusCounts(
    counts: Vec<(TicketStatus, i64)>,
    /// Of `counts`, those that stopped at the cap: at least as many.
    capped: Vec<TicketStatus>,
    total: i64,
    more: bool,
) -> impl IntoView {
    view! {
        <div class="status-counts">
            <p class="result-count">
                {format!(
                    "{}{} ticket{}",
                    thousands(total),
                    if more { "+" } else { "" },
                    if total == 1 && !more { "" } else { "s" },
                )}
            </p>
            <ul aria-label="Tickets by status">
                {counts.into_iter().map(|(status, n)| view! {
                    <li><StatusBadge status/>" "<span class="count">{
                        let more = if capped.contains(&status) { "+" } else { "" };
                        format!("{}{more}", thousands(n))
                    }</span></li>
                }).collect_view()}
            </ul>
        </div>
    }
}

/// `more`: a search that stopped before the oldest tickets (its work is bounded).
#[component]
fn NoResults(filtered: bool, staff: bool, more: bool) -> impl IntoView {
    if more || filtered {
        let text = if more {
            "No match among the most recent tickets. Add words or filters to reach further back."
        } else {
            "No tickets match these filters."
        };
        view! {
            <div class="empty">
                <p>{text}</p>
                <p><a href="/tickets">"Clear filters"</a></p>
            </div>
        }
        .into_any()
    } else if staff {
        view! { <div class="empty"><p>"No tickets yet."</p></div> }.into_any()
    } else {
        view! {
            <div class="empty">
                <p>"You have no tickets yet."</p>
                <p><a class="btn btn-primary" href="/tickets/new">"New ticket"</a></p>
            </div>
        }
        .into_any()
    }
}

/// What a ranked (searched) list is ordered by and how far back it reached.
#[component]
fn RankedHint(more: bool, full: bool) -> impl IntoView {
    view! {
        <p class="hint">
            {if more {
                "Best matches among the most recent, best first. Add words or filters to reach further back.".to_string()
            } else if full {
                format!("The {SEARCH_LIMIT} best matches, best first. Add words to narrow the search.")
            } else {
                "Best matches first.".to_string()
            }}
        </p>
    }
}

/// Links to the pages before and after this one (none on a single page).
#[component]
fn Pager(prev: Option<String>, next: Option<String>) -> impl IntoView {
    (prev.is_some() || next.is_some()).then(|| {
        view! {
            <nav class="pager" aria-label="Pages">
                {prev.map(|href| view! { <a class="btn" href=href>"← Previous page"</a> })}
                {next.map(|href| view! { <a class="btn" href=href>"Next page →"</a> })}
            </nav>
        }
    })
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::tickets::model::COUNT_CAP;

    /// A count that stopped at the cap reads as a lower bound; an exact one as it is, however
    /// large (the counters' are exact).
    #[test]
    fn counts_at_the_cap_read_as_at_least() {
        let owner = Owner::new();
        owner.with(|| {
            let counts = vec![
                (TicketStatus::Pending, COUNT_CAP),
                (TicketStatus::Ongoing, 7),
                (TicketStatus::Completed, 250_000),
            ];
            let capped = vec![TicketStatus::Pending];
            let html =
                view! { <StatusCounts counts capped total=COUNT_CAP + 7 more=true/> }.to_html();
            assert!(html.contains("10,007+ tickets"), "{html}");
            assert!(html.contains(">10,000+<"), "{html}");
            assert!(html.contains(">7<"), "{html}");
            assert!(html.contains(">250,000<"), "{html}");
        });
    }
}
