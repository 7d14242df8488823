//! `helpdesk seed`: a realistic demo database (and the benchmark's), written through the
//! app's own schema, triggers and numbering so the app goes on from it as from real use.
//!
//! Speed comes from writing in large transactions with one statement per table and batch:
//! rows travel as one JSON array through `json_each`, so a million tickets are a few hundred
//! statements instead of twelve million. Ids are taken after the current maximum under the
//! write lock, which lets comments and history refer to each other without round trips.

use super::router::BootError;
use crate::base::db::{Backend, Pool, begin_write};
use crate::tickets::{
    model::{Priority, service_request_no},
    sla::targets::Targets,
};
use crate::{auth::password, time::utc_year};
use fastrand::Rng;
use std::{collections::HashSet, time::Instant};

/// What to make.
#[derive(Debug, Clone)]
pub struct SeedPlan {
    pub tickets: u64,
    /// Average comments per ticket, the description (first comment) included.
    pub comments_per_ticket: u64,
    pub users: u64,
    /// Every seeded user's password.
    pub password: String,
    /// Add to a database that already holds tickets.
    pub force: bool,
    /// The random seed: the same seed on an empty database makes the same data.
    pub seed: u64,
    pub progress: bool,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct SeedSummary {
    pub users: u64,
    pub admins: Vec<String>,
    pub sample_user: Option<String>,
    pub tickets: u64,
    pub comments: u64,
    /// Of `comments`, the internal notes.
    pub notes: u64,
    pub events: u64,
}

const DEPARTMENTS: [&str; 12] = [
    "IT",
    "Finance",
    "Human Resources",
    "Sales",
    "Marketing",
    "Operations",
    "Legal",
    "Facilities",
    "Customer Support",
    "Engineering",
    "Procurement",
    "Warehouse",
];
const REQUEST_TYPES: [&str; 3] = ["Printing", "Email", "Building access"];
const FIRST: [&str; 40] = [
    "alice", "bruno", "chen", "dana", "emil", "fatima", "gita", "hugo", "ines", "jonas", "kemal",
    "lena", "mateo", "nora", "omar", "priya", "quinn", "rosa", "sven", "tariq", "uma", "victor",
    "wanda", "xavier", "yara", "zoltan", "amir", "beatriz", "carl", "dmitri", "elena", "farid",
    "greta", "hana", "ivan", "julia", "kofi", "lucia", "mei", "nils",
];
const LAST: [&str; 30] = [
    "moreno",
    "smith",
    "nakamura",
    "okafor",
    "schmidt",
    "rossi",
    "kowalski",
    "dubois",
    "silva",
    "jensen",
    "haddad",
    "novak",
    "garcia",
    "lindqvist",
    "murphy",
    "tanaka",
    "weber",
    "costa",
    "ivanova",
    "khan",
    "muller",
    "petrov",
    "santos",
    "berg",
    "rahman",
    "fischer",
    "lopez",
    "kim",
    "horvat",
    "bauer",
];
/// Weighted so a few things (printers above all) come up in a large share of tickets, as in
/// real helpdesks: "printer" is the benchmark's common word.
const THINGS: [(&str, u32); 24] = [
    ("printer", 34),
    ("laptop", 20),
    ("email", 16),
    ("monitor", 10),
    ("VPN", 10),
    ("password", 12),
    ("Wi-Fi", 9),
    ("keyboard", 5),
    ("mouse", 4),
    ("docking station", 5),
    ("desk phone", 5),
    ("headset", 4),
    ("scanner", 5),
    ("projector", 4),
    ("webcam", 4),
    ("shared drive", 6),
    ("calendar", 4),
    ("spreadsheet", 5),
    ("payroll system", 3),
    ("badge reader", 3),
    ("tablet", 3),
    ("server", 3),
    ("mobile phone", 5),
    ("account", 8),
];
const PROBLEMS: [&str; 16] = [
    "not working",
    "keeps crashing",
    "is very slow",
    "won't turn on",
    "shows an error",
    "needs replacing",
    "cannot connect",
    "access needed",
    "stopped syncing",
    "makes a strange noise",
    "is missing",
    "needs an update",
    "locked out",
    "prints blank pages",
    "freezes after login",
    "request for a new one",
];
const PLACES: [&str; 14] = [
    "on floor 2",
    "on floor 3",
    "in meeting room B",
    "at reception",
    "in the warehouse",
    "in the north wing",
    "for the new starter",
    "since this morning",
    "after the update",
    "in room 114",
    "at the Leeds office",
    "for the whole team",
    "again",
    "urgently",
];
const SENTENCES: [&str; 20] = [
    "I restarted the {thing} but it still {problem}.",
    "Tried again this morning, same result.",
    "Could someone come and have a look {place}?",
    "The {thing} {problem} {place}.",
    "We replaced the cable; please check whether the {thing} works now.",
    "The error code on the screen is E-{n}.",
    "This is blocking the monthly report for our team.",
    "Thanks, that fixed it.",
    "Still happening after the reboot.",
    "I have ordered a replacement {thing}, it should arrive on Thursday.",
    "Please confirm the asset tag, it should start with PC-{n}.",
    "Escalated to the vendor, waiting for their reply.",
    "Works again when I plug it into the other port.",
    "The colleague next to me has the same problem with her {thing}.",
    "Reinstalled the driver and cleared the queue.",
    "Can you reset it remotely? I am working from home today.",
    "Noted. We will schedule a visit {place}.",
    "The {thing} was last serviced in spring.",
    "Closing this as the {thing} has been swapped.",
    "It happens only when several people print at once.",
];
/// Words a search finds in only a handful of tickets (the benchmark's rare word is the first).
const RARE: [&str; 8] = [
    "kaleidoscope",
    "tachograph",
    "risograph",
    "dictaphone",
    "theodolite",
    "spectrometer",
    "oscilloscope",
    "planimeter",
];

const DAY_MS: i64 = 86_400_000;
/// Tickets per transaction: big enough that commits are rare, small enough that the
/// write-ahead log stays small and the progress bar moves.
const CHUNK: usize = 5_000;

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.usize(..items.len())]
}

fn weighted<'a>(rng: &mut Rng, items: &[(&'a str, u32)]) -> &'a str {
    let total: u32 = items.iter().map(|i| i.1).sum();
    let mut n = rng.u32(..total);
    for (item, weight) in items {
        if n < *weight {
            return item;
        }
        n -= weight;
    }
    items[0].0
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn subject(rng: &mut Rng, thing: &str) -> String {
    capitalised(&format!(
        "{thing} {} {}",
        pick(rng, &PROBLEMS),
        pick(rng, &PLACES)
    ))
}

fn comment(rng: &mut Rng, thing: &str) -> String {
    let mut text = String::new();
    for i in 0..rng.usize(1..=3) {
        if i > 0 {
            text.push(' ');
        }
        let template = pick(rng, &SENTENCES);
        let other = weighted(rng, &THINGS);
        text.push_str(
            &template
                .replace("{thing}", if rng.bool() { thing } else { other })
                .replace("{problem}", pick(rng, &PROBLEMS))
                .replace("{place}", pick(rng, &PLACES))
                .replace("{n}", &rng.u32(1000..99_999).to_string()),
        );
    }
    // About one comment in 50,000 mentions a rare word.
    if rng.u32(..50_000) == 0 {
        text.push_str(&format!(" Also check the {} in the lab.", pick(rng, &RARE)));
    }
    text
}

/// Rows of one table as a JSON array of arrays, inserted in one statement that reads them
/// back from the array (json_each / json_array_elements).
struct Batch(Vec<serde_json::Value>);

/// How a column is read back from a row's JSON.
#[derive(Clone, Copy)]
enum Col {
    Int,
    Text,
    Bool,
}

/// A table's columns as a batch fills them, in the rows' order.
type Target = (&'static str, &'static [Col]);

impl Batch {
    fn push(&mut self, row: serde_json::Value) {
        self.0.push(row);
    }

    async fn insert(
        &mut self,
        conn: &mut crate::base::db::Conn,
        (table, cols): Target,
    ) -> Result<(), sqlx::Error> {
        if self.0.is_empty() {
            return Ok(());
        }
        let values: Vec<String> = cols
            .iter()
            .enumerate()
            .map(|(i, col)| match col {
                Col::Int => format!("CAST(j.value ->> {i} AS BIGINT)"),
                Col::Text => format!("j.value ->> {i}"),
                Col::Bool => format!("CAST(j.value ->> {i} AS BOOLEAN)"),
            })
            .collect();
        let sql = format!(
            "INSERT INTO {table} SELECT {} FROM {}",
            values.join(", "),
            Backend::of_conn(conn).json_rows("$1")
        );
        let rows = serde_json::Value::Array(std::mem::take(&mut self.0)).to_string();
        sqlx::query(&sql).bind(rows).execute(conn).await?;
        Ok(())
    }
}

use Col::{Bool, Int, Text};
const TICKETS: Target = (
    "tickets (id, service_request_no, requested_by, request_type_id, department_id, subject,
              status, date_started, date_finished, assignee_id, priority, first_response_due,
              first_response_at, resolution_due, resolution_left_ms, resolution_met)",
    &[
        Int, Text, Int, Int, Int, Text, Text, Int, Int, Int, Text, Int, Int, Int, Int, Bool,
    ],
);
const COMMENTS: Target = (
    "ticket_comments (id, ticket_id, user_id, comment_text, device_no, created_at, internal)",
    &[Int, Int, Int, Text, Text, Int, Bool],
);
const EVENTS: Target = (
    "ticket_events (ticket_id, user_id, kind, from_value, to_value, comment_id, created_at)",
    &[Int, Int, Text, Text, Text, Int, Int],
);
const USERS: Target = (
    "users (id, username, email, password_hash, department_id, status, created_at, updated_at)",
    &[Int, Text, Text, Text, Int, Text, Int, Int],
);
const ROLES: Target = ("user_roles (user_id, role)", &[Int, Text]);

/// Office hours in Berlin (Monday to Friday, 09:00-17:00) for normal and low tickets, as a
/// team would set them, unless an admin has set hours already; the targets to seed with.
async fn service_levels(pool: &Pool) -> Result<Targets, BootError> {
    let week = r#"[[[540,1020]],[[540,1020]],[[540,1020]],[[540,1020]],[[540,1020]],[],[]]"#;
    let mut tx = begin_write(pool).await?;
    let fresh = sqlx::query(
        "UPDATE business_hours SET zone = 'Europe/Berlin', week = $1 WHERE id = 1 AND zone = 'UTC'",
    )
    .bind(week)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if fresh {
        sqlx::query(
            "UPDATE sla_policies SET business_hours = $1 WHERE priority IN ('normal', 'low')",
        )
        .bind(true)
        .execute(&mut *tx)
        .await?;
    }
    let targets = Targets::load(&mut tx).await?;
    tx.commit().await?;
    Ok(targets)
}

/// Departments and request types, created if missing; returns (id, name) of each.
async fn lists(pool: &Pool, now: i64) -> Result<(Vec<(i64, String)>, Vec<i64>), BootError> {
    // Both named lists have the same shape; the table names are our own constants.
    for (table, names) in [
        ("departments", &DEPARTMENTS[..]),
        ("request_types", &REQUEST_TYPES[..]),
    ] {
        for name in names {
            sqlx::query(&format!(
                "INSERT INTO {table} (name, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING"
            ))
            .bind(name)
            .bind(now)
            .execute(pool)
            .await?;
        }
    }
    let departments = sqlx::query_as("SELECT id, name FROM departments ORDER BY id")
        .fetch_all(pool)
        .await?;
    let types = sqlx::query_scalar("SELECT id FROM request_types ORDER BY id")
        .fetch_all(pool)
        .await?;
    Ok((departments, types))
}

/// `count` new users (1 in 100 an admin, at least one; 1 in 20 an agent), with names not yet
/// taken. Returns the new admins' names and one ordinary user's name.
async fn users(
    pool: &Pool,
    rng: &mut Rng,
    plan: &SeedPlan,
    departments: &[(i64, String)],
    now: i64,
) -> Result<(Vec<String>, Option<String>), BootError> {
    let taken: HashSet<String> = sqlx::query_scalar("SELECT username FROM users")
        .fetch_all(pool)
        .await?
        .into_iter()
        .collect();
    // One hash for all: hashing a thousand times would take half a minute, and demo accounts
    // sharing a password share its salt too.
    let hash = password::hash_blocking(&plan.password)?;
    let mut tx = begin_write(pool).await?;
    let mut next_id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM users")
        .fetch_one(&mut *tx)
        .await?;
    let admins_wanted = (plan.users / 100).max(1);
    let agents_wanted = plan.users / 20;
    let (mut admins, mut sample) = (Vec::new(), None);
    let (mut rows, mut roles) = (Batch(Vec::new()), Batch(Vec::new()));
    let mut made = 0;
    let mut n = 0u64;
    while made < plan.users {
        let base = format!(
            "{}.{}",
            FIRST[n as usize % FIRST.len()],
            LAST[(n as usize / FIRST.len()) % LAST.len()]
        );
        let round = n as usize / (FIRST.len() * LAST.len());
        n += 1;
        let name = if round == 0 {
            base
        } else {
            format!("{base}{round}")
        };
        if taken.contains(&name) {
            continue;
        }
        let department = &departments[rng.usize(..departments.len())];
        rows.push(serde_json::json!([
            next_id,
            name,
            format!("{name}@example.com"),
            hash,
            department.0,
            "active",
            now,
            now
        ]));
        roles.push(serde_json::json!([next_id, "user"]));
        if made < admins_wanted {
            roles.push(serde_json::json!([next_id, "admin"]));
            admins.push(name);
        } else if made < admins_wanted + agents_wanted {
            roles.push(serde_json::json!([next_id, "agent"]));
        } else if sample.is_none() {
            sample = Some(name);
        }
        next_id += 1;
        made += 1;
    }
    rows.insert(&mut tx, USERS).await?;
    roles.insert(&mut tx, ROLES).await?;
    tx.commit().await?;
    Ok((admins, sample))
}

/// FTS5's merging setting (SQLite; PostgreSQL has none).
async fn set_automerge(pool: &Pool, n: i64) -> Result<(), sqlx::Error> {
    if Backend::of(pool) != Backend::Sqlite {
        return Ok(());
    }
    sqlx::query("INSERT INTO ticket_search (ticket_search, rank) VALUES ('automerge', $1)")
        .bind(n)
        .execute(pool)
        .await?;
    Ok(())
}

/// Fills the database as `plan` says. Refuses a database that already holds tickets unless
/// `plan.force`.
pub async fn seed(pool: &Pool, plan: &SeedPlan, now: i64) -> Result<SeedSummary, BootError> {
    let existing: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM tickets LIMIT 1) t")
            .fetch_one(pool)
            .await?;
    if existing > 0 && !plan.force {
        return Err(
            "the database already holds tickets; pass --force to add the demo data anyway".into(),
        );
    }
    if plan.comments_per_ticket == 0 {
        return Err(
            "every ticket has at least its description: --comments must be 1 or more".into(),
        );
    }
    let started = Instant::now();
    let mut rng = Rng::with_seed(plan.seed);
    let (departments, types) = lists(pool, now).await?;
    let (admins, sample_user) = users(pool, &mut rng, plan, &departments, now).await?;
    let people: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE status = 'active' ORDER BY id")
            .fetch_all(pool)
            .await?;
    // Agents and admins work the tickets (the agents most of them).
    let staff: Vec<(i64, String)> = sqlx::query_as(&format!(
        "SELECT DISTINCT u.id, u.username FROM users u JOIN user_roles r ON r.user_id = u.id
          WHERE r.role IN {} AND u.status = 'active' ORDER BY u.id",
        crate::auth::db::STAFF_ROLES
    ))
    .fetch_all(pool)
    .await?;

    // Start times over the last two years, oldest first, so numbers follow the dates.
    let mut starts: Vec<i64> = (0..plan.tickets)
        .map(|_| now - rng.i64(1..730 * DAY_MS))
        .collect();
    starts.sort_unstable();

    let bar = plan.progress.then(|| {
        let bar = indicatif::ProgressBar::new(plan.tickets);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{elapsed_precise} [{wide_bar}] {human_pos}/{human_len} tickets, {per_sec}, {eta} left",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    // While loading, FTS5 merges as it goes (its default), so the index is left in few, big
    // segments like a long-lived one; the app's setting (0008: merge only in bulk) after.
    // Loaded with bulk merging only, the first comments written later had to merge the
    // load's big segments in a request: p99 961 ms, 375 writes/s (bench, fresh database).
    let app_automerge: Option<i64> = match Backend::of(pool) {
        Backend::Sqlite => {
            sqlx::query_scalar("SELECT v FROM ticket_search_config WHERE k = 'automerge'")
                .fetch_optional(pool)
                .await?
        }
        Backend::Postgres => None,
    };
    set_automerge(pool, 4).await?;
    let mut summary = SeedSummary {
        users: plan.users,
        admins,
        sample_user,
        ..Default::default()
    };
    let targets = service_levels(pool).await?;
    let extra = plan.comments_per_ticket - 1;
    for chunk in starts.chunks(CHUNK) {
        let mut tx = begin_write(pool).await?;
        let (mut ticket_id, mut comment_id): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COALESCE(MAX(id), 0) FROM tickets),
                    (SELECT COALESCE(MAX(id), 0) FROM ticket_comments)",
        )
        .fetch_one(&mut *tx)
        .await?;
        let sequences: Vec<(i64, i64)> = sqlx::query_as("SELECT year, last FROM ticket_sequences")
            .fetch_all(&mut *tx)
            .await?;
        let mut sequences: Vec<(i32, i64)> = sequences
            .into_iter()
            .map(|(year, last)| (year as i32, last))
            .collect();
        let (mut tickets, mut comments, mut events) =
            (Batch(Vec::new()), Batch(Vec::new()), Batch(Vec::new()));
        // Subjects and comments, for the search vocabulary (as the app adds them).
        let mut texts: Vec<String> = Vec::with_capacity(chunk.len() * 6);
        for &start in chunk {
            ticket_id += 1;
            let year = utc_year(start);
            let sequence = match sequences.iter_mut().find(|s| s.0 == year) {
                Some(s) => {
                    s.1 += 1;
                    s.1
                }
                None => {
                    sequences.push((year, 1));
                    1
                }
            };
            // A few people file most tickets.
            let requester = people[(rng.f64().powi(2) * people.len() as f64) as usize];
            let (admin, handler) = &staff[rng.usize(..staff.len())];
            let admin = *admin;
            let thing = weighted(&mut rng, &THINGS);
            let mut department = &departments[rng.usize(..departments.len())];
            // Old tickets are mostly done; recent ones still open.
            let age = now - start;
            let (p_done, p_open) = if age > 30 * DAY_MS {
                (92, 97)
            } else {
                (40, 70)
            };
            let roll = rng.u32(..100);
            let ongoing_at = (start + rng.i64(10 * 60_000..2 * DAY_MS)).min(now);
            let finished =
                (roll < p_done).then(|| (ongoing_at + rng.i64(3_600_000..7 * DAY_MS)).min(now));
            let status = match (finished, roll < p_open) {
                (Some(_), _) => "completed",
                (None, true) => "ongoing",
                (None, false) => "pending",
            };
            let end = finished.unwrap_or(now);
            // One in twenty urgent, three in twenty high, a fifth low, the rest normal.
            let priority = match rng.u32(..20) {
                0 => Priority::Urgent,
                1..=3 => Priority::High,
                4..=7 => Priority::Low,
                _ => Priority::Normal,
            };
            // Whoever works a ticket took it when they started on it; two in three pending
            // ones are taken already too.
            let assigned_at = match status {
                "pending" => (rng.u32(..3) < 2).then(|| (start + 60_000).min(now)),
                _ => Some(ongoing_at),
            };

            let comment_count = 1 + rng.u64(0..=2 * extra);
            let mut times: Vec<i64> = (1..comment_count)
                .map(|_| start + rng.i64(0..=(end - start).max(0)))
                .collect();
            times.sort_unstable();
            comment_id += 1;
            let device = (rng.u32(..3) == 0).then(|| format!("PC-{:05}", rng.u32(..100_000)));
            let description = comment(&mut rng, thing);
            comments.push(serde_json::json!([
                comment_id,
                ticket_id,
                requester,
                description,
                device,
                start,
                false
            ]));
            texts.push(description);
            events.push(serde_json::json!([
                ticket_id, requester, "created", null, "pending", comment_id, start
            ]));
            if let Some(at) = assigned_at {
                events.push(serde_json::json!([
                    ticket_id, admin, "assignee", null, handler, null, at
                ]));
            }
            if status != "pending" {
                events.push(serde_json::json!([
                    ticket_id, admin, "status", "pending", "ongoing", null, ongoing_at
                ]));
            }
            // One ticket in twenty was sent on to another department.
            if rng.u32(..20) == 0 {
                let to = &departments[rng.usize(..departments.len())];
                if to.0 != department.0 {
                    events.push(serde_json::json!([
                        ticket_id,
                        admin,
                        "department",
                        department.1,
                        to.1,
                        null,
                        ongoing_at
                    ]));
                    department = to;
                }
            }
            let mut first_response = None;
            for at in times {
                comment_id += 1;
                let by = if rng.bool() { requester } else { admin };
                // About one staff comment in five is an internal note.
                let internal = by != requester && rng.u32(..5) == 0;
                if by != requester && !internal {
                    first_response = first_response.or(Some(at));
                }
                let text = comment(&mut rng, thing);
                comments.push(serde_json::json!([
                    comment_id, ticket_id, by, text, null, at, internal
                ]));
                summary.notes += u64::from(internal);
                texts.push(text);
                events.push(serde_json::json!([
                    ticket_id, by, "comment", null, null, comment_id, at
                ]));
            }
            if let Some(at) = finished {
                events.push(serde_json::json!([
                    ticket_id,
                    admin,
                    "status",
                    "ongoing",
                    "completed",
                    null,
                    at
                ]));
            }
            summary.comments += comment_count;
            let subject = subject(&mut rng, thing);
            // As the app keeps them: completing answers the requester too, and keeps the
            // resolution time that was left.
            let dues = targets.dues(priority, start);
            let first_response = match (first_response, finished) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let left = finished.map(|at| targets.left(priority, at, dues.resolution));
            tickets.push(serde_json::json!([
                ticket_id,
                service_request_no(year, sequence),
                requester,
                types[rng.usize(..types.len())],
                department.0,
                subject,
                status,
                start,
                finished,
                assigned_at.map(|_| admin),
                priority.as_str(),
                dues.first_response,
                first_response,
                dues.resolution,
                left,
                left.map(|l| l >= 0)
            ]));
            texts.push(subject);
        }
        summary.events += events.0.len() as u64;
        tickets.insert(&mut tx, TICKETS).await?;
        comments.insert(&mut tx, COMMENTS).await?;
        events.insert(&mut tx, EVENTS).await?;
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        crate::tickets::db::add_terms(&mut tx, &texts).await?;
        for (year, last) in &sequences {
            sqlx::query(
                "INSERT INTO ticket_sequences (year, last) VALUES ($1, $2)
                 ON CONFLICT (year) DO UPDATE SET last = $2",
            )
            .bind(year)
            .bind(last)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        summary.tickets += chunk.len() as u64;
        if let Some(bar) = &bar {
            bar.inc(chunk.len() as u64);
        }
    }
    if let Some(bar) = bar {
        bar.finish();
    }
    set_automerge(pool, app_automerge.unwrap_or(4)).await?;
    // Fresh statistics for the query planner, as after any bulk load. PostgreSQL's id
    // sequences also learn of the ids given here, or the app's next insert would reuse one.
    let after = match Backend::of(pool) {
        Backend::Sqlite => "PRAGMA optimize",
        Backend::Postgres => {
            "SELECT setval(pg_get_serial_sequence('users', 'id'), MAX(id)) FROM users;
             SELECT setval(pg_get_serial_sequence('tickets', 'id'), MAX(id)) FROM tickets;
             SELECT setval(pg_get_serial_sequence('ticket_comments', 'id'), MAX(id))
               FROM ticket_comments"
        }
    };
    sqlx::raw_sql(after).execute(pool).await?;
    if Backend::of(pool) == Backend::Postgres {
        // The counters' rows were rewritten once per ticket: their dead versions go too.
        // (Alone: a list of statements is one transaction, which VACUUM refuses.)
        sqlx::query("VACUUM ANALYZE").execute(pool).await?;
    }
    tracing::debug!(elapsed = ?started.elapsed(), "seeded");
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::db::test_pool;
    use crate::tickets::{
        db as tickets_db,
        model::{CommentText, DeviceNo, PageAt, SEARCH_LIMIT, Subject, TicketFilter},
    };

    const NOW: i64 = 1_795_000_000_000; // 2026-11-18

    fn plan(tickets: u64) -> SeedPlan {
        SeedPlan {
            tickets,
            comments_per_ticket: 4,
            users: 120,
            password: "demo-password".into(),
            force: false,
            seed: 7,
            progress: false,
        }
    }

    async fn scalar(pool: &Pool, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
    }

    #[tokio::test]
    async fn seeds_consistent_data_the_app_goes_on_from() {
        let (pool, _dir) = test_pool().await;
        let backend = Backend::of(&pool);
        let started = Instant::now();
        let done = seed(&pool, &plan(12_000), NOW).await.unwrap();
        eprintln!("seeded in {:?}", started.elapsed());
        assert_eq!((done.users, done.tickets), (120, 12_000));
        assert_eq!(done.admins.len(), 1);
        let counts = (
            scalar(&pool, "SELECT COUNT(*) FROM users").await,
            scalar(&pool, "SELECT COUNT(*) FROM tickets").await,
            scalar(&pool, "SELECT COUNT(*) FROM ticket_comments").await,
            scalar(&pool, "SELECT COUNT(*) FROM ticket_events").await,
        );
        assert_eq!(
            counts,
            (120, 12_000, done.comments as i64, done.events as i64)
        );
        // About the average asked for, the description included.
        let per_ticket = done.comments as f64 / 12_000.0;
        assert!((3.8..4.2).contains(&per_ticket), "{per_ticket}");
        // About one staff comment in five (half the comments after the description) is
        // an internal note.
        let notes: i64 = scalar(&pool, "SELECT COUNT(*) FROM ticket_comments WHERE internal").await;
        let share = notes as f64 / (done.comments - 12_000) as f64;
        assert!(
            notes as u64 == done.notes && (0.08..0.12).contains(&share),
            "{share}"
        );

        // Referential integrity and the schema's own invariants.
        // (PostgreSQL checks foreign keys on every insert; SQLite can be asked.)
        if backend == Backend::Sqlite {
            let broken: Vec<(String,)> = sqlx::query_as("PRAGMA foreign_key_check")
                .fetch_all(&pool)
                .await
                .unwrap();
            assert!(broken.is_empty(), "{broken:?}");
        }
        // A search row's id: FTS5's rowid, a column on PostgreSQL.
        let sid = match backend {
            Backend::Sqlite => "rowid",
            Backend::Postgres => "id",
        };
        let bad = [
            // Each ticket starts with its description, written by its requester when filed.
            "SELECT COUNT(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM ticket_comments c
               WHERE c.ticket_id = t.id AND c.user_id = t.requested_by
                 AND c.created_at = t.date_started)",
            // ... and a 'created' history entry pointing at it; every comment has its entry.
            "SELECT COUNT(*) FROM tickets t WHERE (SELECT COUNT(*) FROM ticket_events e
               WHERE e.ticket_id = t.id AND e.kind = 'created') <> 1",
            "SELECT COUNT(*) FROM ticket_comments c WHERE NOT EXISTS
               (SELECT 1 FROM ticket_events e WHERE e.ticket_id = c.ticket_id
                   AND e.comment_id = c.id)",
            // The last status change in the history is the ticket's status.
            "SELECT COUNT(*) FROM tickets t WHERE t.status <> COALESCE((SELECT e.to_value
               FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind IN ('created', 'status')
               ORDER BY e.created_at DESC, e.id DESC LIMIT 1), '')",
            // Nothing happens before a ticket is filed or after it is finished, or in the future.
            "SELECT COUNT(*) FROM ticket_comments c JOIN tickets t ON t.id = c.ticket_id
              WHERE c.created_at < t.date_started
                 OR c.created_at > COALESCE(t.date_finished, 1795000000000)",
            // Numbers: per year, 1..n without gaps, in the order of the dates.
            "SELECT COUNT(*) FROM ticket_sequences s WHERE s.last <> (SELECT COUNT(*)
               FROM tickets t WHERE substr(t.service_request_no, 4, 4) = CAST(s.year AS TEXT))",
            "SELECT COUNT(*) FROM tickets a JOIN tickets b ON b.id = a.id + 1
              WHERE b.date_started < a.date_started",
            // Every comment is in the search index under its own id, every ticket under
            // 2^40 + its id, and nothing else is.
            "SELECT COUNT(*) FROM ticket_comments c
              WHERE NOT EXISTS (SELECT 1 FROM ticket_search s WHERE s.{sid} = c.id)",
            "SELECT (SELECT COUNT(*) FROM ticket_search) - (SELECT COUNT(*) FROM ticket_comments)
                    - (SELECT COUNT(*) FROM tickets)",
            "SELECT COUNT(*) FROM tickets t
              WHERE NOT EXISTS (SELECT 1 FROM ticket_search s
                                 WHERE s.{sid} = 1099511627776 + t.id)",
            // The maintained counts are the counts.
            "SELECT COUNT(*) FROM (SELECT department_id, request_type_id, status, COUNT(*)
               FROM tickets GROUP BY 1, 2, 3 EXCEPT SELECT * FROM ticket_counts WHERE n > 0) k",
            "SELECT COUNT(*) FROM tickets t WHERE t.comment_count <>
               (SELECT COUNT(*) FROM ticket_comments c WHERE c.ticket_id = t.id
                   AND NOT c.internal)",
            // Internal notes are staff's, and no requester's search reads them.
            "SELECT COUNT(*) FROM ticket_comments c JOIN tickets t ON t.id = c.ticket_id
              WHERE c.internal AND c.user_id = t.requested_by",
        ];
        for sql in bad {
            let sql = sql.replace("{sid}", sid);
            assert_eq!(scalar(&pool, &sql).await, 0, "{sql}");
        }
        let statuses: Vec<(String, i64)> =
            sqlx::query_as("SELECT status, COUNT(*) FROM tickets GROUP BY status ORDER BY 1")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(statuses.len(), 3, "all statuses occur: {statuses:?}");

        // The next ticket filed through the app gets the next number of its year.
        let year = utc_year(NOW);
        let last = scalar(
            &pool,
            &format!("SELECT last FROM ticket_sequences WHERE year = {year}"),
        )
        .await;
        let requester = scalar(&pool, "SELECT MIN(id) FROM users").await;
        let ticket = tickets_db::NewTicket {
            requested_by: requester,
            request_type_id: 1,
            department_id: 1,
            subject: Subject::parse("Printer on fire").unwrap(),
            description: CommentText::parse("Smoke from tray 2").unwrap(),
            device_no: DeviceNo::parse("").unwrap(),
        };
        let (_, number) = tickets_db::create(
            &pool,
            &ticket,
            (&[], &crate::files::model::TEST_LIMITS),
            NOW,
        )
        .await
        .unwrap();
        assert_eq!(number, service_request_no(year, last + 1));

        // Search has real words to find, in subjects and comments, common and rare.
        for (word, at_least) in [("printer", SEARCH_LIMIT as usize), ("kaleidoscope", 0)] {
            let f = TicketFilter {
                text: Some(word.into()),
                ..Default::default()
            };
            let found = tickets_db::page(&pool, &f, PageAt::First, 25)
                .await
                .unwrap();
            assert!(found.ranked && found.tickets.len() >= at_least, "{word}");
            for t in &found.tickets {
                let text = format!("{} {}", t.subject, t.snippet.clone().unwrap_or_default());
                assert!(text.to_lowercase().contains(word), "{word}: {text}");
            }
        }
        let rare = TicketFilter {
            text: Some("kaleidoscope".into()),
            ..Default::default()
        };
        let rare_hits = tickets_db::page(&pool, &rare, PageAt::First, 25)
            .await
            .unwrap();
        let rare_in_db = scalar(
            &pool,
            "SELECT COUNT(DISTINCT ticket_id) FROM ticket_comments
              WHERE comment_text LIKE '%kaleidoscope%'",
        )
        .await;
        assert_eq!(rare_hits.tickets.len() as i64, rare_in_db);

        // The app's merge setting is back after the load (SQLite); the id sequences know
        // the ids the load gave (PostgreSQL): the app's next user gets a new one.
        match backend {
            Backend::Sqlite => assert_eq!(
                scalar(
                    &pool,
                    "SELECT v FROM ticket_search_config WHERE k = 'automerge'"
                )
                .await,
                0
            ),
            Backend::Postgres => {
                let id = scalar(
                    &pool,
                    "INSERT INTO users (username, email, password_hash, created_at, updated_at)
                     VALUES ('late.comer', 'late@example.com', 'x', 0, 0) RETURNING id",
                )
                .await;
                assert!(id > 120, "{id}");
                sqlx::query("DELETE FROM users WHERE id = $1")
                    .bind(id)
                    .execute(&pool)
                    .await
                    .unwrap();
            }
        }

        // The seeded users can sign in with the password given.
        let hash: String =
            sqlx::query_scalar("SELECT password_hash FROM users WHERE username = $1")
                .bind(&done.admins[0])
                .fetch_one(&pool)
                .await
                .unwrap();
        assert!(
            password::verify("demo-password".into(), Some(hash))
                .await
                .unwrap()
        );

        // A second seed is refused without --force, and adds after the first with it.
        let err = seed(&pool, &plan(10), NOW).await.unwrap_err();
        assert!(err.to_string().contains("--force"), "{err}");
        let more = SeedPlan {
            force: true,
            ..plan(10)
        };
        let again = seed(&pool, &more, NOW).await.unwrap();
        assert_eq!(again.tickets, 10);
        assert_eq!(scalar(&pool, "SELECT COUNT(*) FROM users").await, 240);
        assert_eq!(scalar(&pool, "SELECT COUNT(*) FROM tickets").await, 12_011);
        assert_eq!(
            scalar(
                &pool,
                "SELECT COUNT(*) FROM (SELECT service_request_no FROM tickets
                  GROUP BY 1 HAVING COUNT(*) > 1) twice"
            )
            .await,
            0
        );
    }
}
