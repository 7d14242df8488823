//! The dashboard's tiles and SVG charts, drawn on the server (no chart library). Each
//! number and bar links to the ticket list filtered to exactly those tickets, and a table
//! beside each chart says the same in text.

use super::model::{Bar, Dashboard, FINISH_WINDOW_DAYS, FinishTimes, Week, duration_text};
use crate::{
    text::thousands,
    tickets::model::{DayRange, DueFilter, TicketFilter, TicketQuery, TicketStatus, UNASSIGNED},
    time::Day,
};
use leptos::{prelude::*, tachys::view::RenderHtml};

/// The board as HTML, for the page to show.
pub fn board_html(d: Dashboard) -> String {
    Owner::new().with(|| view! { <Board d/> }.to_html())
}

/// The ticket list showing exactly what `edit` picks.
fn list_link(edit: impl FnOnce(&mut TicketFilter)) -> String {
    let mut q = TicketQuery::default();
    edit(&mut q.filter);
    format!("/tickets{}", q.to_query_string())
}

fn days(from: Day, to: Day) -> DayRange {
    DayRange {
        from: Some(from),
        to: Some(to),
    }
}

const OPEN: [TicketStatus; 2] = [TicketStatus::Pending, TicketStatus::Ongoing];

#[component]
fn Board(d: Dashboard) -> impl IntoView {
    let week = days(d.this_week, Day(d.this_week.0 + 6));
    let today = Day(d.finish_from.0 + FINISH_WINDOW_DAYS - 1);
    let window = days(d.finish_from, today);
    let count = |s: TicketStatus| d.by_status.iter().find(|r| r.0 == s).map_or(0, |r| r.1);
    let completed_in = move |range: DayRange| {
        list_link(move |f| {
            f.statuses = vec![TicketStatus::Completed];
            f.finished = range;
        })
    };
    let tiles = vec![
        Tile {
            label: "Pending".into(),
            value: thousands(count(TicketStatus::Pending)),
            href: list_link(|f| f.statuses = vec![TicketStatus::Pending]),
        },
        Tile {
            label: "Ongoing".into(),
            value: thousands(count(TicketStatus::Ongoing)),
            href: list_link(|f| f.statuses = vec![TicketStatus::Ongoing]),
        },
        Tile {
            label: "Unassigned".into(),
            value: thousands(d.open_unassigned),
            href: list_link(|f| {
                f.statuses = OPEN.to_vec();
                f.assignee = Some(UNASSIGNED.into());
            }),
        },
        Tile {
            label: "Overdue".into(),
            value: thousands(d.overdue),
            href: list_link(|f| f.due = Some(DueFilter::Overdue)),
        },
        Tile {
            label: format!("Met their targets ({FINISH_WINDOW_DAYS} days)"),
            value: match d.targets_met {
                (_, 0) => "—".into(),
                (met, all) => format!("{} %", met * 100 / all),
            },
            href: completed_in(window),
        },
        Tile {
            label: "New this week".into(),
            value: thousands(d.created_this_week),
            href: list_link(|f| f.started = week),
        },
        Tile {
            label: "Completed this week".into(),
            value: thousands(d.completed_this_week),
            href: completed_in(week),
        },
    ];
    let finish = FinishTiles {
        times: d.finish_times,
        href: completed_in(window),
        from: d.finish_from,
    };
    view! {
        <p class="lead">{format!("Week of {} (weeks start on Monday, UTC).", d.this_week.display())}</p>
        <ul class="stat-tiles" aria-label="At a glance">
            {tiles.into_iter().map(|t| view! { <StatTile t/> }).collect_view()}
            <FinishTimeTiles finish/>
        </ul>
        <WeeklyChart weeks=d.weeks/>
        <div class="chart-pair">
            <OpenBars id="by-department" title="Open tickets by department" bars=d.open_by_department
                empty="No departments yet." link=|b| list_link(|f| { f.statuses = OPEN.to_vec(); f.department_id = Some(b.id); })/>
            <OpenBars id="by-type" title="Open tickets by request type" bars=d.open_by_type
                empty="No request types yet." link=|b| list_link(|f| { f.statuses = OPEN.to_vec(); f.request_type_id = Some(b.id); })/>
        </div>
        <OpenBars id="by-assignee" title="Open tickets by assignee (the ten who hold most)" bars=d.open_by_assignee
            empty="Nobody holds an open ticket." link=|b| list_link(|f| { f.statuses = OPEN.to_vec(); f.assignee = Some(b.name.clone()); })/>
    }
}

struct Tile {
    label: String,
    value: String,
    href: String,
}

#[component]
fn StatTile(t: Tile) -> impl IntoView {
    view! {
        <li class="card stat-tile">
            <a href=t.href>
                <span class="stat-value">{t.value}</span>
                <span class="stat-label">{t.label}</span>
            </a>
        </li>
    }
}

struct FinishTiles {
    times: Option<FinishTimes>,
    href: String,
    from: Day,
}

/// Median and 90th percentile of started-to-finished, or why there are none.
#[component]
fn FinishTimeTiles(finish: FinishTiles) -> impl IntoView {
    let FinishTiles { times, href, from } = finish;
    let since = format!("finished since {}", from.display());
    match times {
        Some(t) => {
            let tiles = [
                Tile {
                    label: format!(
                        "Median time to finish ({} tickets {since})",
                        thousands(t.count)
                    ),
                    value: duration_text(t.median_ms),
                    href: href.clone(),
                },
                Tile {
                    label: format!("90% finish within ({since})"),
                    value: duration_text(t.p90_ms),
                    href,
                },
            ];
            tiles
                .into_iter()
                .map(|t| view! { <StatTile t/> })
                .collect_view()
                .into_any()
        }
        None => view! {
            <li class="card stat-tile">
                <span class="stat-value">"—"</span>
                <span class="stat-label">{format!("Time to finish: no tickets {since}")}</span>
            </li>
        }
        .into_any(),
    }
}

/// A bar's length in a chart `length` long, the longest bar reaching the end. Integers
/// throughout: formatting floats would pull float printing into the WASM client.
fn scale(n: i64, max: i64, length: i64) -> i64 {
    if max == 0 { 0 } else { n * length / max }
}

/// Created and completed per week: a pair of bars a week, each a link to its tickets.
#[component]
fn WeeklyChart(weeks: Vec<Week>) -> impl IntoView {
    const H: i64 = 160;
    const SLOT: i64 = 56;
    const BAR: i64 = 22;
    let max = weeks
        .iter()
        .map(|w| w.created.max(w.completed))
        .max()
        .unwrap_or(0);
    let width = SLOT * weeks.len() as i64;
    let empty = max == 0;
    let bars = weeks
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let x = i as i64 * SLOT + 5;
            let range = days(w.monday, Day(w.monday.0 + 6));
            let label = w.monday.display();
            let short = label.rsplit_once(' ').map_or(label.clone(), |(day, _)| day.to_string());
            let created_h = scale(w.created, max, H);
            let completed_h = scale(w.completed, max, H);
            let created_href = list_link(|f| f.started = range);
            let completed_href = list_link(|f| {
                f.statuses = vec![TicketStatus::Completed];
                f.finished = range;
            });
            view! {
                <g class="week">
                    <a href=created_href aria-label=format!("Week of {label}: {} created", thousands(w.created))>
                        <rect class="bar bar-created" x=x y=H - created_h width=BAR height=created_h.max(1)>
                            <title>{format!("Week of {label}: {} created", thousands(w.created))}</title>
                        </rect>
                    </a>
                    <a href=completed_href aria-label=format!("Week of {label}: {} completed", thousands(w.completed))>
                        <rect class="bar bar-completed" x=x + BAR + 2 y=H - completed_h width=BAR height=completed_h.max(1)>
                            <title>{format!("Week of {label}: {} completed", thousands(w.completed))}</title>
                        </rect>
                    </a>
                    <text class="axis" x=x + BAR y=H + 16 text-anchor="middle">{short}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <section class="card chart" aria-labelledby="weekly-heading">
            <h2 id="weekly-heading">"Created and completed per week"</h2>
            <p class="legend">
                <span class="swatch swatch-created"></span>"Created (left)"
                <span class="swatch swatch-completed"></span>"Completed (right)"
            </p>
            {empty.then(|| view! { <p class="empty">"No tickets in these twelve weeks."</p> })}
            <div class="chart-scroll">
                <svg class="weekly" viewBox=format!("0 0 {width} {}", H + 24) width=width height=H + 24
                    aria-labelledby="weekly-heading">
                    <line class="baseline" x1="0" y1=H x2=width y2=H/>
                    {bars}
                </svg>
            </div>
            <details class="chart-table">
                <summary>"The numbers as a table"</summary>
                <table>
                    <thead><tr><th scope="col">"Week of"</th><th scope="col" class="num">"Created"</th><th scope="col" class="num">"Completed"</th></tr></thead>
                    <tbody>
                        {weeks.into_iter().map(|w| view! {
                            <tr><th scope="row">{w.monday.display()}</th><td class="num">{thousands(w.created)}</td><td class="num">{thousands(w.completed)}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
        </section>
    }
}

/// Open tickets per entry of a list, one horizontal bar each, longest first.
#[component]
fn OpenBars(
    id: &'static str,
    title: &'static str,
    bars: Vec<Bar>,
    empty: &'static str,
    link: fn(&Bar) -> String,
) -> impl IntoView {
    const ROW: i64 = 28;
    const LABEL: i64 = 150;
    const LENGTH: i64 = 220;
    let heading = format!("{id}-heading");
    let (section_label, svg_label) = (heading.clone(), heading.clone());
    let max = bars.iter().map(|b| b.n).max().unwrap_or(0);
    let height = ROW * bars.len() as i64;
    let width = LABEL + LENGTH + 80;
    let rows = bars
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let y = i as i64 * ROW;
            let length = scale(b.n, max, LENGTH);
            // In a <g>, so the view macro makes an SVG link, not an HTML one.
            view! {
                <g class="row">
                    // Named by its visible text: the name, then "N open".
                    <a href=link(b)>
                        <text class="axis" x=LABEL - 8 y=y + 18 text-anchor="end">{b.name.clone()}</text>
                        <rect class="bar bar-open" x=LABEL y=y + 6 width=length.max(1) height=ROW - 10/>
                        <text class="count" x=LABEL + length + 6 y=y + 18>{format!("{} open", thousands(b.n))}</text>
                    </a>
                </g>
            }
        })
        .collect_view();
    view! {
        <section class="card chart" aria-labelledby=section_label>
            <h2 id=heading>{title}</h2>
            {if bars.is_empty() {
                view! { <p class="empty">{empty}</p> }.into_any()
            } else {
                view! {
                    <div class="chart-scroll">
                        <svg class="bars" viewBox=format!("0 0 {width} {height}") width=width height=height
                            aria-labelledby=svg_label>
                            {rows}
                        </svg>
                    </div>
                    <details class="chart-table">
                        <summary>"The numbers as a table"</summary>
                        <table>
                            <tbody>
                                {bars.into_iter().map(|b| view! {
                                    <tr><th scope="row">{b.name}</th><td class="num">{thousands(b.n)}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </details>
                }.into_any()
            }}
        </section>
    }
}
