//! Ticket types shared by server and client, and the parsers every ticket input goes through.

use crate::{
    error::{AppError, ParseAll},
    text,
    time::Day,
};
use serde::{Deserialize, Serialize};

word_enum! {
    pub enum TicketStatus ("Status") {
        Pending = "pending", "Pending";
        Ongoing = "ongoing", "Ongoing";
        Completed = "completed", "Completed";
    }
}

word_enum! {
    /// How urgent a ticket is, set by staff (new tickets are normal).
    pub enum Priority ("Priority") {
        Low = "low", "Low";
        Normal = "normal", "Normal";
        High = "high", "High";
        Urgent = "urgent", "Urgent";
    }
}

word_enum! {
    /// The order of a list (a text search is ranked instead). By priority: the most urgent
    /// first, newest first within each priority.
    #[derive(Default)]
    pub enum Sort ("The sort") {
        #[default]
        Newest = "newest", "Newest first";
        Oldest = "oldest", "Oldest first";
        Priority = "priority", "Most urgent first";
    }
}

word_enum! {
    /// Staff's due-time filter: tickets past a target, or due by the end of today.
    pub enum DueFilter ("The due filter") {
        Overdue = "overdue", "Overdue";
        Today = "today", "Due today";
    }
}

/// One line of a ticket list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct TicketSummary {
    pub id: i64,
    pub service_request_no: String,
    pub subject: String,
    pub request_type: String,
    pub department: String,
    pub requester: String,
    pub status: TicketStatus,
    pub date_started: i64,
    // The empty ones are left out of the page's data (most of a list's rows have no
    // snippet, many no finish, due time or assignee); read back as None. The database
    // sends rows as arrays, where every position is there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_finished: Option<i64>,
    pub comment_count: i64,
    /// Where a text search matched in the comments, the matched words between `MARK_START`
    /// and `MARK_END` (which a search also puts around matches in `subject`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    /// Who is handling it (a username), if anyone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    pub priority: Priority,
    /// Staff only: when the target the open ticket is racing falls due (the first
    /// response until it came, then the resolution).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_due: Option<i64>,
    /// Staff only: when staff first answered the requester in public.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_at: Option<i64>,
    /// The files on its public comments (like `comment_count`).
    pub file_count: i64,
}

/// What a ticket list shows. The server forces `requested_by` for non-admins.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketFilter {
    /// Whose tickets: worked out on the server (from `requester`, or the caller for
    /// non-admins), never taken from a request.
    #[serde(skip)]
    pub requested_by: Option<i64>,
    /// The caller is staff, so internal notes count (their search rows, their snippets):
    /// worked out on the server, never taken from a request.
    #[serde(skip)]
    pub staff: bool,
    /// An admin's requester filter: a username, as typed (or chosen from suggestions).
    pub requester: Option<String>,
    /// Staff's assignee filter as the URL has it: `me`, `none`, `inactive` or a username.
    #[serde(default)]
    pub assignee: Option<String>,
    /// `assignee` as the server resolved it for the caller (staff only), never taken
    /// from a request.
    #[serde(skip)]
    pub assigned: Option<Assigned>,
    /// Empty: every status.
    pub statuses: Vec<TicketStatus>,
    /// Empty: every priority.
    #[serde(default)]
    pub priorities: Vec<Priority>,
    /// Staff's: overdue, or due today.
    #[serde(default)]
    pub due: Option<DueFilter>,
    /// For `due`, as the server resolved it: now and the end of today in the business
    /// hours' zone (unix ms); never taken from a request.
    #[serde(skip)]
    pub due_window: Option<(i64, i64)>,
    pub department_id: Option<i64>,
    pub request_type_id: Option<i64>,
    /// Words to find in the number, the subject or the comments (full-text, prefixes).
    pub text: Option<String>,
    /// Started, and finished, on these days (the dashboard's tiles and bars link here).
    #[serde(default)]
    pub started: DayRange,
    #[serde(default)]
    pub finished: DayRange,
    #[serde(default)]
    pub sort: Sort,
}

/// Whose tickets, by assignee: resolved on the server from `TicketFilter::assignee`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assigned {
    /// One user's (id 0: nobody by that name, so no tickets).
    To(i64),
    /// Nobody's yet.
    Nobody,
    /// Someone's who has since been deactivated: work that would otherwise sit unseen.
    Inactive,
}

/// The words of the assignee filter other than a username.
pub const ASSIGNED_TO_ME: &str = "me";
pub const UNASSIGNED: &str = "none";
pub const ASSIGNED_TO_INACTIVE: &str = "inactive";

/// A span of UTC days, both ends included; either end may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRange {
    pub from: Option<Day>,
    pub to: Option<Day>,
}

impl DayRange {
    pub fn is_set(&self) -> bool {
        self.from.is_some() || self.to.is_some()
    }

    /// The range as unix milliseconds, `[start, end)`, for the query.
    pub fn bounds_ms(&self) -> (Option<i64>, Option<i64>) {
        (
            self.from.map(Day::start_ms),
            self.to.map(|d| Day(d.0 + 1).start_ms()),
        )
    }
}

/// Where the next page starts: the last row of the previous page (keyset, not OFFSET).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub date_started: i64,
    pub id: i64,
    /// In a list by priority, the row's priority: the first key of that order.
    #[serde(default)]
    pub priority: Option<Priority>,
}

/// Which page of a list: the first, or the one after / before a row (keyset, not OFFSET).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PageAt {
    #[default]
    First,
    After(Cursor),
    Before(Cursor),
}

/// One page of a ticket list, with where the neighbouring pages start and the per-status
/// counts of everything the filter matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketPage {
    pub tickets: Vec<TicketSummary>,
    pub prev: Option<Cursor>,
    pub next: Option<Cursor>,
    pub counts: Vec<(TicketStatus, i64)>,
    /// The statuses whose count stopped at `COUNT_CAP` (more match): "10,000+".
    #[serde(default)]
    pub capped: Vec<TicketStatus>,
    /// A text search: best matches first, up to `SEARCH_LIMIT`, no further pages.
    pub ranked: bool,
    /// A text search that stopped reading before the oldest matches (it reads a bounded
    /// number of the newest): the counts are of the matches read.
    pub more_matches: bool,
    /// The server's clock when it read the page (unix ms): due times count from here.
    #[serde(default)]
    pub now: i64,
}

/// Tickets per page.
pub const PAGE_SIZE: i64 = 25;

/// Where a due filter's count of a status stops (`TicketPage::capped`): the list then
/// says "10,000+". The overdue at a million tickets are 93,000, and counting them took 15 ms of
/// the page's 16 on PostgreSQL (75 ms while the table's visibility map lagged), 4 ms capped.
pub const COUNT_CAP: i64 = 10_000;

/// The most results a text search shows (ranked; refine the words to see others).
pub const SEARCH_LIMIT: i64 = 50;

/// Marks around the matched words in a search snippet: private-use characters, which nobody
/// types, so the page can turn them into `<mark>` without treating ticket text as HTML.
pub use crate::text::{MARK_END, MARK_START};

impl Cursor {
    /// The cursor of row `t` in a list sorted by `sort`.
    pub fn of(t: &TicketSummary, sort: Sort) -> Cursor {
        Cursor {
            date_started: t.date_started,
            id: t.id,
            priority: (sort == Sort::Priority).then_some(t.priority),
        }
    }

    /// `1767225600000.42` (`1767225600000.42.high` by priority): compact and URL-safe.
    pub fn to_param(self) -> String {
        match self.priority {
            None => format!("{}.{}", self.date_started, self.id),
            Some(p) => format!("{}.{}.{}", self.date_started, self.id, p.as_str()),
        }
    }

    pub fn from_param(s: &str) -> Option<Cursor> {
        let mut parts = s.split('.');
        let date_started = parts.next()?.parse().ok()?;
        let id = parts.next()?.parse().ok()?;
        let priority = match parts.next() {
            None => None,
            Some(word) => Some(Priority::parse(word).ok()?),
        };
        parts.next().is_none().then_some(Cursor {
            date_started,
            id,
            priority,
        })
    }
}

/// A ticket list view as it lives in the URL query, so it can be bookmarked, shared and
/// reloaded: `?q=printer&status=pending&status=ongoing&department=3&type=1&requester=ann
/// &sort=oldest&after=1767225600000.42`. Values that do not parse are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketQuery {
    pub filter: TicketFilter,
    pub page: PageAt,
    /// Tickets per page, one of `PAGE_SIZES` (None: `PAGE_SIZE`).
    pub per_page: Option<i64>,
}

/// The page sizes a list offers (more at once for bulk triage).
pub const PAGE_SIZES: [i64; 3] = [25, 50, 100];

/// `asked` if it is one of `PAGE_SIZES`, else the default.
pub fn page_size(asked: Option<i64>) -> i64 {
    asked
        .filter(|n| PAGE_SIZES.contains(n))
        .unwrap_or(PAGE_SIZE)
}

impl TicketQuery {
    pub fn from_params(params: &leptos_router::params::ParamsMap) -> TicketQuery {
        let id = |key: &str| {
            params
                .get_str(key)
                .and_then(|v| v.trim().parse::<i64>().ok())
        };
        let statuses = params
            .get_all("status")
            .unwrap_or_default()
            .iter()
            .filter_map(|s| TicketStatus::parse(s).ok())
            .fold(Vec::new(), |mut list, s| {
                if !list.contains(&s) {
                    list.push(s);
                }
                list
            });
        let priorities = params
            .get_all("priority")
            .unwrap_or_default()
            .iter()
            .filter_map(|s| Priority::parse(s).ok())
            .fold(Vec::new(), |mut list, p| {
                if !list.contains(&p) {
                    list.push(p);
                }
                list
            });
        let cursor = |key: &str| params.get_str(key).and_then(Cursor::from_param);
        let day = |key: &str| params.get_str(key).and_then(Day::parse);
        let page = match (cursor("after"), cursor("before")) {
            (Some(c), _) => PageAt::After(c),
            (None, Some(c)) => PageAt::Before(c),
            _ => PageAt::First,
        };
        TicketQuery {
            filter: TicketFilter {
                requested_by: None,
                staff: false,
                requester: params
                    .get_str("requester")
                    .map(|name| name.trim().to_lowercase())
                    .filter(|name| !name.is_empty()),
                assignee: params
                    .get_str("assignee")
                    .map(|name| name.trim().to_lowercase())
                    .filter(|name| !name.is_empty()),
                assigned: None,
                statuses,
                priorities,
                due: params.get_str("due").and_then(|d| DueFilter::parse(d).ok()),
                due_window: None,
                department_id: id("department"),
                request_type_id: id("type"),
                text: params
                    .get_str("q")
                    .map(str::trim)
                    .filter(|q| !q.is_empty())
                    .map(str::to_string),
                started: DayRange {
                    from: day("started_from"),
                    to: day("started_to"),
                },
                finished: DayRange {
                    from: day("finished_from"),
                    to: day("finished_to"),
                },
                sort: params
                    .get_str("sort")
                    .and_then(|s| Sort::parse(s).ok())
                    .unwrap_or_default(),
            },
            page,
            per_page: params
                .get_str("per")
                .and_then(|n| n.parse().ok())
                .filter(|n| PAGE_SIZES.contains(n) && *n != PAGE_SIZE),
        }
    }

    /// The query string (with its `?`, or empty) for this view.
    pub fn to_query_string(&self) -> String {
        use leptos_router::location::Url;
        let f = &self.filter;
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(q) = &f.text {
            pairs.push(("q", Url::escape(q)));
        }
        for s in &f.statuses {
            pairs.push(("status", s.as_str().into()));
        }
        for p in &f.priorities {
            pairs.push(("priority", p.as_str().into()));
        }
        if let Some(due) = f.due {
            pairs.push(("due", due.as_str().into()));
        }
        let ids = [("department", f.department_id), ("type", f.request_type_id)];
        pairs.extend(
            ids.iter()
                .filter_map(|(k, v)| v.map(|v| (*k, v.to_string()))),
        );
        // Usernames are URL-safe as they are; anything else typed gets escaped.
        let name_param = |name: &String| {
            let safe = name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
            if safe {
                name.clone()
            } else {
                Url::escape(name)
            }
        };
        if let Some(name) = &f.requester {
            pairs.push(("requester", name_param(name)));
        }
        if let Some(name) = &f.assignee {
            pairs.push(("assignee", name_param(name)));
        }
        let days = [
            ("started_from", f.started.from),
            ("started_to", f.started.to),
            ("finished_from", f.finished.from),
            ("finished_to", f.finished.to),
        ];
        pairs.extend(days.iter().filter_map(|(k, d)| d.map(|d| (*k, d.iso()))));
        if f.sort != Sort::Newest {
            pairs.push(("sort", f.sort.as_str().into()));
        }
        if let Some(n) = self.per_page {
            pairs.push(("per", n.to_string()));
        }
        match self.page {
            PageAt::First => {}
            PageAt::After(c) => pairs.push(("after", c.to_param())),
            PageAt::Before(c) => pairs.push(("before", c.to_param())),
        }
        if pairs.is_empty() {
            return String::new();
        }
        let joined: Vec<String> = pairs.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("?{}", joined.join("&"))
    }

    /// Whether anything narrows the list (for the empty-state message).
    pub fn is_filtered(&self) -> bool {
        let f = &self.filter;
        !f.statuses.is_empty()
            || !f.priorities.is_empty()
            || f.due.is_some()
            || f.department_id.is_some()
            || f.request_type_id.is_some()
            || f.requester.is_some()
            || f.assignee.is_some()
            || f.text.is_some()
            || f.started.is_set()
            || f.finished.is_set()
    }
}

/// Everything the ticket page shows above the comments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct TicketDetail {
    pub id: i64,
    pub service_request_no: String,
    pub subject: String,
    pub request_type: String,
    pub department_id: i64,
    pub department: String,
    pub requested_by: i64,
    pub requester: String,
    pub requester_avatar: Option<String>,
    pub status: TicketStatus,
    pub date_started: i64,
    pub date_finished: Option<i64>,
    /// Who is handling it (a username), if anyone; the requester sees it too.
    pub assignee: Option<String>,
    pub priority: Priority,
    /// The service-level targets: staff only (None for the requester).
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    #[serde(default)]
    pub sla: Option<TicketSla>,
}

/// A ticket's targets and how it is doing against them (unix ms), for staff.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketSla {
    pub first_response_due: Option<i64>,
    pub first_response_at: Option<i64>,
    pub resolution_due: Option<i64>,
    /// Set at completion: whether it was resolved in time.
    pub resolution_met: Option<bool>,
    /// The server's clock when it read them.
    pub now: i64,
}

/// One comment of a ticket's thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Comment {
    pub id: i64,
    pub author: String,
    pub author_avatar: Option<String>,
    /// Staff answers are marked in the thread.
    #[cfg_attr(feature = "ssr", sqlx(try_from = "crate::base::db::Flag"))]
    pub author_is_staff: bool,
    pub comment_text: String,
    pub device_no: Option<String>,
    pub created_at: i64,
    /// An internal note: staff only, never shown to the requester.
    #[cfg_attr(feature = "ssr", sqlx(try_from = "crate::base::db::Flag"))]
    pub internal: bool,
}

word_enum! {
    /// What a history entry records.
    pub enum EventKind ("A history entry's kind") {
        Created = "created", "Created";
        Status = "status", "Status";
        Department = "department", "Department";
        Comment = "comment", "Comment";
        Assignee = "assignee", "Assignee";
        Priority = "priority", "Priority";
    }
}

/// One entry of a ticket's history: who did what when, with the comment it added (the
/// description, for `Created`). Read-only: no server function changes history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub id: i64,
    pub kind: EventKind,
    pub actor: String,
    pub actor_avatar: Option<String>,
    pub actor_is_staff: bool,
    /// Status values or department names, before and after.
    pub from_value: Option<String>,
    pub to_value: Option<String>,
    pub comment_text: Option<String>,
    pub device_no: Option<String>,
    pub created_at: i64,
    /// The comment is an internal note (only staff are ever sent these entries).
    pub internal: bool,
    #[serde(skip)]
    pub comment_id: Option<i64>,
    /// The comment came with files (read with the entry: `files` are looked up only then).
    #[serde(skip)]
    pub has_files: bool,
    /// The files that came with the comment.
    pub files: Vec<crate::files::model::Attachment>,
}

/// How many history entries a ticket page shows at once: the newest, and older ones a page
/// at a time ("Show earlier"), so a ticket with 100,000 comments opens as fast as a short one.
pub const THREAD_PAGE: i64 = 50;

/// A place in a ticket's history: an entry's time and id (`"ms.id"` in a URL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventCursor {
    pub at: i64,
    pub id: i64,
}

impl EventCursor {
    pub fn to_param(self) -> String {
        format!("{}.{}", self.at, self.id)
    }

    pub fn from_param(s: &str) -> Option<EventCursor> {
        let (at, id) = s.split_once('.')?;
        Some(EventCursor {
            at: at.parse().ok()?,
            id: id.parse().ok()?,
        })
    }
}

/// A page of a ticket's history, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub entries: Vec<HistoryEntry>,
    /// Where the page before this one ends, when there are older entries.
    pub earlier: Option<EventCursor>,
    /// This page is not the newest (it was asked for with a cursor).
    pub older: bool,
}

/// The options of the ticket form's selects.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketOptions {
    pub request_types: Vec<crate::lists::Choice>,
    pub departments: Vec<crate::lists::Choice>,
    /// The caller's own department: the new-ticket form starts with it chosen.
    pub my_department: Option<i64>,
    /// What may be attached, for the forms' hints and their first checks.
    pub attachments: Option<crate::files::model::Limits>,
}

/// The new-ticket form as posted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTicketForm {
    pub request_type_id: String,
    pub department_id: String,
    pub subject: String,
    pub description: String,
    pub device_no: String,
    /// Files uploaded for it (`POST /api/files`), by their tokens (fields `attachment[]`):
    /// they go on the description.
    #[serde(default, rename = "attachment")]
    pub attachments: Vec<String>,
}

/// What a new ticket says, parsed: (request type, department, subject, description, device).
pub type NewTicketInput = (i64, i64, Subject, CommentText, DeviceNo);

impl NewTicketForm {
    pub fn parse(&self) -> Result<NewTicketInput, AppError> {
        (
            (
                "request_type_id",
                parse_choice(&self.request_type_id, "a request type"),
            ),
            (
                "department_id",
                parse_choice(&self.department_id, "a department"),
            ),
            ("subject", Subject::parse(&self.subject)),
            (
                "description",
                CommentText::parse(&self.description)
                    .map_err(|m| m.replace("comment", "description")),
            ),
            ("device_no", DeviceNo::parse(&self.device_no)),
        )
            .all()
    }
}

/// The comment form as posted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentForm {
    pub comment_text: String,
    pub device_no: String,
    /// Staff's "Internal note" checkbox: present (any value) when ticked.
    #[serde(default)]
    pub internal: Option<String>,
    /// Files uploaded for it (`POST /api/files`), by their tokens (fields `attachment[]`).
    #[serde(default, rename = "attachment")]
    pub attachments: Vec<String>,
}

/// A comment as posted, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCommentInput {
    pub text: CommentText,
    pub device_no: DeviceNo,
    pub internal: bool,
}

impl CommentForm {
    pub fn parse(&self) -> Result<NewCommentInput, AppError> {
        let (text, device_no) = (
            ("comment_text", CommentText::parse(&self.comment_text)),
            ("device_no", DeviceNo::parse(&self.device_no)),
        )
            .all()?;
        Ok(NewCommentInput {
            text,
            device_no,
            internal: self.internal.is_some(),
        })
    }
}

/// The most tickets one bulk action changes (said next to the bulk form).
pub const MAX_BULK: usize = 500;

/// The list's bulk form: the chosen tickets (checkboxes named `ticket[]`) and what to set;
/// an empty field leaves that alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkForm {
    #[serde(default, rename = "ticket")]
    pub tickets: Vec<String>,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub priority: String,
    #[serde(default)]
    pub department_id: String,
    /// A username, `me`, or `none` to unassign.
    #[serde(default)]
    pub assignee: String,
}

/// A bulk action as posted, parsed: the tickets (distinct, in order) and each change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkInput {
    pub tickets: Vec<String>,
    pub status: Option<TicketStatus>,
    pub priority: Option<Priority>,
    pub department_id: Option<i64>,
    /// Some(None): unassign.
    pub assignee: Option<Option<String>>,
}

impl BulkForm {
    pub fn parse(&self) -> Result<BulkInput, AppError> {
        let mut tickets: Vec<String> = Vec::new();
        for t in self
            .tickets
            .iter()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
        {
            if !tickets.iter().any(|seen| seen == t) {
                tickets.push(t.to_string());
            }
        }
        fn optional(text: &str) -> Option<&str> {
            Some(text.trim()).filter(|t| !t.is_empty())
        }
        let count = match tickets.len() {
            0 => Err("Choose at least one ticket.".to_string()),
            n if n > MAX_BULK => Err(format!(
                "Choose at most {MAX_BULK} tickets at once ({n} were chosen)."
            )),
            _ => Ok(()),
        };
        let ((), status, priority, department_id) = (
            ("ticket", count),
            (
                "status",
                optional(&self.status).map(TicketStatus::parse).transpose(),
            ),
            (
                "priority",
                optional(&self.priority).map(Priority::parse).transpose(),
            ),
            (
                "department_id",
                optional(&self.department_id)
                    .map(|d| parse_choice(d, "a department"))
                    .transpose(),
            ),
        )
            .all()?;
        let assignee = optional(&self.assignee).map(|a| match a.to_lowercase().as_str() {
            UNASSIGNED => None,
            name => Some(name.to_string()),
        });
        if status.is_none() && priority.is_none() && department_id.is_none() && assignee.is_none() {
            return Err(AppError::invalid(
                "",
                "Choose what to change: a status, priority, department or assignee.",
            ));
        }
        Ok(BulkInput {
            tickets,
            status,
            priority,
            department_id,
            assignee,
        })
    }
}

/// A select's value as an id; `what` names the thing in the message ("a department").
pub fn parse_choice(input: &str, what: &str) -> Result<i64, String> {
    input
        .trim()
        .parse::<i64>()
        .map_err(|_| format!("Choose {what} from the list."))
}

/// A ticket subject: 1–200 characters, one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject(String);

impl Subject {
    pub fn parse(input: &str) -> Result<Subject, String> {
        if input.trim().contains(['\n', '\r']) {
            return Err("A subject is a single line.".into());
        }
        text::bounded(input, "a subject", 200, false).map(Subject)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A comment (and a ticket's description): 1–10,000 characters; inner line breaks are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentText(String);

impl CommentText {
    pub fn parse(input: &str) -> Result<CommentText, String> {
        text::bounded(input, "a comment", 10_000, true).map(CommentText)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An optional device number: up to 64 characters; empty means none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceNo(Option<String>);

impl DeviceNo {
    pub fn parse(input: &str) -> Result<DeviceNo, String> {
        text::optional(input, |text| {
            if text.chars().count() > 64 {
                return Err("A device number has at most 64 characters.".into());
            }
            text::check(text, false, "a device number")?;
            Ok(text.to_string())
        })
        .map(DeviceNo)
    }

    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// `SR-2026-000042`: the year the ticket started and its number within that year.
pub fn service_request_no(year: i32, sequence: i64) -> String {
    format!("SR-{year}-{sequence:06}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_inputs() {
        assert_eq!(service_request_no(2026, 42), "SR-2026-000042");
        assert_eq!(service_request_no(2026, 1_234_567), "SR-2026-1234567");
        assert_eq!(
            Subject::parse("  Printer jam ").unwrap().as_str(),
            "Printer jam"
        );
        assert!(Subject::parse(" ").unwrap_err().contains("Enter a subject"));
        assert!(Subject::parse(&"x".repeat(201)).is_err());
        assert!(Subject::parse("two\nlines").is_err());
        assert_eq!(CommentText::parse(" a\nb ").unwrap().as_str(), "a\nb");
        assert!(
            CommentText::parse(&"x".repeat(10_001))
                .unwrap_err()
                .contains("10000")
        );
        assert_eq!(DeviceNo::parse("").unwrap().as_deref(), None);
        assert!(DeviceNo::parse(&"d".repeat(65)).is_err());
        assert_eq!(TicketStatus::parse("ongoing"), Ok(TicketStatus::Ongoing));
        assert!(TicketStatus::parse("closed").is_err());
        assert_eq!(parse_choice(" 3 ", "a department"), Ok(3));
        assert_eq!(
            parse_choice("", "a department").unwrap_err(),
            "Choose a department from the list."
        );
    }

    #[test]
    fn list_views_round_trip_through_the_url() {
        use leptos_router::params::ParamsMap;
        let view = TicketQuery {
            filter: TicketFilter {
                requested_by: None,
                staff: false,
                requester: Some("ann.o-neil".into()),
                assignee: Some("me".into()),
                assigned: None,
                statuses: vec![TicketStatus::Pending, TicketStatus::Ongoing],
                priorities: vec![Priority::Urgent],
                due: Some(DueFilter::Overdue),
                due_window: None,
                department_id: Some(3),
                request_type_id: Some(1),
                text: Some("100% a&b".into()),
                started: DayRange {
                    from: Day::parse("2026-11-23"),
                    to: Day::parse("2026-11-29"),
                },
                finished: DayRange {
                    from: None,
                    to: Day::parse("2026-11-30"),
                },
                sort: Sort::Priority,
            },
            page: PageAt::After(Cursor {
                date_started: 1_767_225_600_000,
                id: 42,
                priority: Some(Priority::High),
            }),
            per_page: Some(50),
        };
        let query = view.to_query_string();
        assert_eq!(
            query,
            "?q=100%25%20a%26b&status=pending&status=ongoing&priority=urgent&due=overdue&department=3&type=1&requester=ann.o-neil\
             &assignee=me&started_from=2026-11-23&started_to=2026-11-29&finished_to=2026-11-30\
             &sort=priority&per=50&after=1767225600000.42.high"
        );
        let mut params = ParamsMap::new();
        for pair in query.trim_start_matches('?').split('&') {
            let (k, v) = pair.split_once('=').unwrap();
            params.insert(k.to_string(), v.to_string()); // insert() unescapes, as the router does
        }
        assert_eq!(TicketQuery::from_params(&params), view);
        assert_eq!(TicketQuery::default().to_query_string(), "");
        // Junk in a hand-edited URL is ignored rather than failing the page.
        let junk: ParamsMap = [
            ("status", "closed"),
            ("department", "x"),
            ("after", "1.2.z"),
            ("before", "1.2.high.3"),
            ("sort", "cheapest"),
            ("started_from", "2026-02-30"),
            ("finished_to", "yesterday"),
        ]
        .into_iter()
        .collect();
        assert_eq!(TicketQuery::from_params(&junk), TicketQuery::default());
    }
}
