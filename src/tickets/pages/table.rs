//! The ticket list's table. Its rows are written here as HTML, the same in the server and
//! in the browser, and set as the table body's `inner_html`; what moves in them once
//! hydrated (the ticks, the row chosen with j / k, due times, local times) is done on the
//! rendered rows by a few effects, and a tick's click reaches the table.
//!
//! Why not `view!` (components/html.rs): the rows were most of what the list page lost at
//! 16 connections (-11 %) when they gained the assignee, priority and due columns. Written
//! as text: see bench/RESULTS.md.

use super::{
    super::{
        model::{MARK_END, MARK_START, TicketSummary},
        sla::model::due_text,
    },
    due_class,
};
use crate::{
    components::{
        DataTable, col,
        html::{attr, text},
        num, time_html,
    },
    text::thousands,
    time::UtcTime,
};
use leptos::{html, prelude::*};

/// The tickets ticked on the page shown, in its order, the last one clicked (the start of
/// a shift-click range) and the tick box that had the focus. Made once by the list page,
/// so a refetch of the rows (a live change, a bulk action) keeps the ticks and the focus.
#[derive(Clone, Copy)]
pub(super) struct Selection {
    numbers: StoredValue<Vec<String>>,
    ticked: RwSignal<Vec<String>>,
    last: StoredValue<Option<usize>>,
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    focused: StoredValue<Option<String>>,
}

impl Selection {
    pub(super) fn new() -> Selection {
        Selection {
            numbers: StoredValue::new(Vec::new()),
            ticked: RwSignal::new(Vec::new()),
            last: StoredValue::new(None),
            focused: StoredValue::new(None),
        }
    }

    /// A page of rows is shown: what was ticked and is still on it stays ticked.
    pub(super) fn show(self, numbers: Vec<String>) {
        // Untracked: the rows being written read it afresh.
        self.ticked
            .update_untracked(|ticked| ticked.retain(|n| numbers.contains(n)));
        self.numbers.set_value(numbers);
        self.last.set_value(None);
    }

    pub(super) fn has(self, number: &str) -> bool {
        self.ticked.with(|t| t.iter().any(|n| n == number))
    }

    pub(super) fn count(self) -> usize {
        self.ticked.with(Vec::len)
    }

    /// Every row on the page is ticked.
    pub(super) fn all_ticked(self) -> bool {
        self.count() >= self.numbers.with_value(Vec::len)
    }

    /// A click on row `i`'s box; with shift, every row from the last one clicked takes the
    /// same state.
    pub(super) fn click(self, i: usize, on: bool, shift: bool) {
        let numbers = self.numbers.get_value();
        if i >= numbers.len() {
            return;
        }
        let range = match self.last.get_value() {
            Some(last) if shift && last < numbers.len() => last.min(i)..=last.max(i),
            _ => i..=i,
        };
        self.ticked.update(|ticked| {
            for n in &numbers[range] {
                ticked.retain(|t| t != n);
                if on {
                    ticked.push(n.clone());
                }
            }
        });
        self.last.set_value(Some(i));
    }

    pub(super) fn all(self, on: bool) {
        self.ticked.set(if on {
            self.numbers.get_value()
        } else {
            Vec::new()
        });
    }
}

#[component]
pub(super) fn TicketTable(
    /// Empty while hydrating: the server's rows are in the table already, and `inner_html`
    /// leaves them as they are until the rows change.
    tickets: Vec<TicketSummary>,
    staff: bool,
    now: i64,
    selection: Option<Selection>,
    /// The row chosen with j / k.
    cursor: RwSignal<Option<usize>>,
    compact: bool,
) -> impl IntoView {
    let columns = selection
        .map(|_| col("Tick"))
        .into_iter()
        .chain([col("Number"), col("Subject")])
        // Staff's list has five more columns; to fit 1280 px on one line per ticket it
        // leaves the request type, the finished date and the comment count to the ticket
        // page and the CSV (the table was 1,672 px wide with them, in a 1,238 px page).
        .chain((!staff).then(|| col("Type")))
        .chain([col("Department")])
        .chain(staff.then(|| col("Requester")))
        .chain(staff.then(|| col("Assignee")))
        .chain(staff.then(|| col("Priority")))
        .chain(staff.then(|| col("Due")))
        .chain([col("Status"), col("Started")])
        .chain((!staff).then(|| col("Finished")))
        .chain((!staff).then(|| num("Comments")))
        .collect();
    let rows = rows_html(&tickets, staff, now, selection.is_some());
    let body = NodeRef::<html::Tbody>::new();
    #[cfg(feature = "hydrate")]
    enliven(body, selection, cursor, now);
    #[cfg(not(feature = "hydrate"))]
    let _ = (selection, cursor);
    view! {
        <DataTable label="Ticket list" class=if compact { "tickets compact" } else { "tickets" }
            card_labels=true columns rows_html=rows body_ref=body/>
    }
}

/// The rows. Every text from the data is escaped (a subject is the requester's own
/// words); a search's marks in a subject or snippet become `<mark>`s.
fn rows_html(tickets: &[TicketSummary], staff: bool, now: i64, ticks: bool) -> String {
    let mut out = String::with_capacity(tickets.len() * 1_000);
    for (i, t) in tickets.iter().enumerate() {
        let no = t.service_request_no.as_str();
        out.push_str("<tr>");
        if ticks {
            out.push_str(r#"<td class="cell-tick"><input type="checkbox" name="ticket[]" value=""#);
            attr(&mut out, no);
            out.push_str(r#"" form="bulk" data-i=""#);
            out.push_str(&i.to_string());
            out.push_str(r#"" aria-label="Tick "#);
            attr(&mut out, no);
            out.push_str(r#""></td>"#);
        }
        out.push_str(r#"<td class="nowrap cell-no"><a href="/tickets/"#);
        attr(&mut out, no);
        out.push_str(r#"">"#);
        text(&mut out, no);
        // The whole subject in the tooltip: one-line rows cut it short.
        out.push_str(r#"</a></td><td class="subject" title=""#);
        attr(&mut out, &plain(&t.subject));
        out.push_str(r#"">"#);
        marked(&mut out, &t.subject);
        if t.file_count > 0 {
            // A paperclip and the count; said in words to screen readers.
            let n = thousands(t.file_count);
            out.push_str(r#" <span class="clip" title=""#);
            out.push_str(&n);
            out.push_str(if t.file_count == 1 {
                " attached file"
            } else {
                " attached files"
            });
            out.push_str(r#""><span aria-hidden="true">📎</span>"#);
            out.push_str(&n);
            out.push_str(r#"<span class="visually-hidden">"#);
            out.push_str(if t.file_count == 1 {
                " attached file"
            } else {
                " attached files"
            });
            out.push_str("</span></span>");
        }
        if let Some(snippet) = &t.snippet {
            out.push_str(r#"<span class="snippet">"#);
            marked(&mut out, snippet);
            out.push_str("</span>");
        }
        out.push_str("</td>");
        if !staff {
            out.push_str("<td>");
            text(&mut out, &t.request_type);
            out.push_str("</td>");
        }
        out.push_str(r#"<td class="cell-short" title=""#);
        attr(&mut out, &t.department);
        out.push_str(r#"">"#);
        text(&mut out, &t.department);
        out.push_str("</td>");
        if staff {
            out.push_str(r#"<td class="cell-short">"#);
            text(&mut out, &t.requester);
            out.push_str("</td><td>");
            match &t.assignee {
                // Their name links to everything they hold.
                Some(name) => {
                    out.push_str(r#"<a href="/tickets?assignee="#);
                    attr(&mut out, name);
                    out.push_str(r#"">"#);
                    text(&mut out, name);
                    out.push_str("</a>");
                }
                None => out.push_str(r#"<span class="muted">Unassigned</span>"#),
            }
            out.push_str(r#"</td><td><span class="badge priority-"#);
            out.push_str(t.priority.as_str());
            out.push_str(r#"">"#);
            out.push_str(t.priority.label());
            out.push_str(r#"</span></td><td class="nowrap">"#);
            if let Some(due) = t.next_due {
                let what = if t.first_response_at.is_none() {
                    "First response"
                } else {
                    "Resolution"
                };
                let left = due - now;
                out.push_str(r#"<span class=""#);
                out.push_str(due_class(left));
                out.push_str(r#"" data-due=""#);
                out.push_str(&due.to_string());
                out.push_str(r#"" title=""#);
                out.push_str(what);
                out.push_str(" due ");
                out.push_str(&UtcTime::from_ms(due).display());
                out.push_str(r#"">"#);
                out.push_str(&due_text(left));
                out.push_str("</span>");
            }
            out.push_str("</td>");
        }
        out.push_str(r#"<td class="cell-status"><span class="badge badge-"#);
        out.push_str(t.status.as_str());
        out.push_str(r#"">"#);
        out.push_str(t.status.label());
        out.push_str(r#"</span></td><td class="nowrap">"#);
        time(&mut out, t.date_started);
        out.push_str("</td>");
        if !staff {
            out.push_str(r#"<td class="nowrap">"#);
            match t.date_finished {
                Some(ms) => time(&mut out, ms),
                None => out.push_str(r#"<span class="muted">—</span>"#),
            }
            out.push_str(r#"</td><td class="num">"#);
            out.push_str(&thousands(t.comment_count));
            out.push_str("</td>");
        }
        out.push_str("</tr>");
    }
    out
}

/// A date, in UTC as the server writes it (the browser turns it local: `enliven`), the
/// exact time in its tooltip.
fn time(out: &mut String, ms: i64) {
    time_html(out, ms, true);
}

/// `text` with the words a search matched in `<mark>`s. The text stays text: the marks
/// are split out here and everything else is escaped.
fn marked(out: &mut String, source: &str) {
    for (i, chunk) in source.split(MARK_START).enumerate() {
        match chunk.split_once(MARK_END) {
            Some((hit, rest)) if i > 0 => {
                out.push_str("<mark>");
                text(out, hit);
                out.push_str("</mark>");
                text(out, rest);
            }
            _ => text(out, &chunk.replace(MARK_END, "")),
        }
    }
}

/// `text` without a search's marks (copied as it is when it has none: most lists).
fn plain(text: &str) -> String {
    if text.contains([MARK_START, MARK_END]) {
        text.replace([MARK_START, MARK_END], "")
    } else {
        text.to_string()
    }
}

/// A click on a tick box, which the table's body hears (its rows are HTML, not views).
#[cfg(feature = "hydrate")]
fn tick_clicked(selection: Selection, ev: &leptos::ev::MouseEvent) {
    use wasm_bindgen::JsCast;
    let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return;
    };
    if let Some(i) = input
        .get_attribute("data-i")
        .and_then(|i| i.parse::<usize>().ok())
    {
        selection.click(i, input.checked(), ev.shift_key());
    }
}

/// What moves in the rows once hydrated: the ticks follow the selection (ticked by x,
/// "Tick all", a range), the row chosen with j / k is marked and kept in sight, due times
/// move with the page's clock, and dates turn to the viewer's time zone.
#[cfg(feature = "hydrate")]
fn enliven(
    body: NodeRef<html::Tbody>,
    selection: Option<Selection>,
    cursor: RwSignal<Option<usize>>,
    server_now: i64,
) {
    use crate::components::{html::elements, localize_times, use_clock};
    use wasm_bindgen::JsCast;

    if let Some(sel) = selection {
        Effect::new(move || {
            use leptos::tachys::html::element::ElementExt;
            let Some(body) = body.get() else { return };
            let clicks = body.on(leptos::ev::click, move |ev| tick_clicked(sel, &ev));
            // The tick box with the focus, to give it back when the rows are written again.
            let focus = body.on(leptos::ev::focusin, move |ev| {
                let tick = ev
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                    .filter(|input| input.has_attribute("data-i"));
                sel.focused.set_value(tick.map(|input| input.value()));
            });
            // Dropping them removes them.
            on_cleanup(move || drop((clicks, focus)));
            // Focus on nothing (the page itself) means the old rows took it with them.
            let active = document().active_element();
            let lost = active.is_none() || active == document().body().map(Into::into);
            if lost && let Some(number) = sel.focused.get_value() {
                for el in elements(&body, "input[data-i]") {
                    if let Ok(input) = el.dyn_into::<web_sys::HtmlInputElement>()
                        && input.value() == number
                    {
                        let _ = input.focus();
                    }
                }
            }
        });
        Effect::new(move || {
            let Some(body) = body.get() else { return };
            sel.ticked.track();
            for el in elements(&body, "input[data-i]") {
                if let Ok(input) = el.dyn_into::<web_sys::HtmlInputElement>() {
                    input.set_checked(sel.has(&input.value()));
                }
            }
        });
    }
    Effect::new(move || {
        let chosen = cursor.get();
        let Some(body) = body.get() else { return };
        let rows = body.rows();
        for i in 0..rows.length() {
            let Some(row) = rows.item(i) else { continue };
            let on = chosen == Some(i as usize);
            let _ = row.class_list().toggle_with_force("row-current", on);
            if on {
                row.scroll_into_view_with_bool(false);
            }
        }
    });
    let clock = use_clock();
    Effect::new(move || {
        let now = clock.map_or(server_now, |c| c.now(server_now));
        let Some(body) = body.get() else { return };
        for el in elements(&body, "[data-due]") {
            let Some(due) = el
                .get_attribute("data-due")
                .and_then(|d| d.parse::<i64>().ok())
            else {
                continue;
            };
            let left = due - now;
            el.set_class_name(due_class(left));
            el.set_text_content(Some(&due_text(left)));
        }
    });
    Effect::new(move || {
        if let Some(body) = body.get() {
            localize_times(&body, true);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::super::super::model::{Priority, TicketStatus};
    use super::*;

    fn ticket(subject: &str) -> TicketSummary {
        TicketSummary {
            id: 1,
            service_request_no: "SR-2026-000001".into(),
            subject: subject.into(),
            request_type: "Hardware & <more>".into(),
            department: "R\"&D".into(),
            requester: "ann".into(),
            status: TicketStatus::Pending,
            date_started: 1_796_388_296_207,
            date_finished: None,
            comment_count: 1234,
            snippet: None,
            assignee: None,
            priority: Priority::High,
            next_due: Some(1_796_388_296_207 + 3 * 3_600_000 + 5),
            first_response_at: None,
            file_count: 3,
        }
    }

    #[test]
    fn every_text_is_escaped_and_marks_become_mark_elements() {
        let subject = format!("<script>alert(1)</script> {MARK_START}prin\"ter{MARK_END} & co");
        let html = rows_html(&[ticket(&subject)], true, 1_796_388_296_207, true);
        assert!(!html.contains("<script>"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt; <mark>prin\"ter</mark> &amp; co"),
            "{html}"
        );
        // In attributes quotes are escaped too, and the tooltip has no marks.
        assert!(
            html.contains(
                r#"title="&lt;script&gt;alert(1)&lt;/script&gt; prin&quot;ter &amp; co""#
            ),
            "{html}"
        );
        assert!(
            html.contains(r#"title="R&quot;&amp;D">R"&amp;D</td>"#),
            "{html}"
        );
        assert!(html.contains(r#"<span class="due" data-due="#), "{html}");
        assert!(html.contains(">due in 3 h</span>"), "{html}");
        assert!(
            html.contains(r#"aria-label="Tick SR-2026-000001""#),
            "{html}"
        );
        assert!(html.contains("Unassigned"), "{html}");
        assert!(
            html.contains(r#"<span class="clip" title="3 attached files"><span aria-hidden="true">📎</span>3<span class="visually-hidden"> attached files</span></span>"#),
            "{html}"
        );
        // A requester's row: their columns, no staff ones, no tick.
        let html = rows_html(&[ticket("x")], false, 0, false);
        assert!(
            html.contains("<td>Hardware &amp; &lt;more&gt;</td>"),
            "{html}"
        );
        assert!(html.contains(r#"<td class="num">1,234</td>"#), "{html}");
        assert!(
            !html.contains("Unassigned")
                && !html.contains("data-due")
                && !html.contains("checkbox"),
            "{html}"
        );
    }
}
