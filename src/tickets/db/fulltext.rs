//! Full-text search: the words' query for each backend, the bounded rounds that find the
//! newest matches, their ranking, and the vocabulary long prefixes expand from.

use super::from_json;
use super::sql::{fetch_summaries, push_filter, summaries_query, summary_columns, summary_joins};
use crate::base::db::{Backend, Conn, Pool, Sql};
use crate::error::AppError;
use crate::tickets::model::{TicketFilter, TicketStatus, TicketSummary};
use crate::tickets::search::{self, Word};

/// The search words of `f`, and its FTS5 query (limited to the requester's own rows when it
/// names one, long prefixes expanded into whole words); None without words.
/// Touches the database only for long prefixes: a list without words costs nothing here.
pub(super) async fn search_query(
    pool: &Pool,
    f: &TicketFilter,
) -> Result<Option<(Vec<Word>, String)>, AppError> {
    let words = search::words(f.text.as_deref().unwrap_or_default());
    if Backend::of(pool) == Backend::Postgres {
        return Ok(search::ts_query(&words).map(|q| (words, q)));
    }
    let mut expanded = Vec::with_capacity(words.len());
    for word in &words {
        expanded.push(
            if word.prefix && word.text.chars().count() > search::INDEXED_PREFIX {
                // One JSON row, not up to 65 rows (each a handoff from sqlx's SQLite thread).
                let found: String = sqlx::query_scalar(
                    "SELECT json_group_array(term) FROM (SELECT term FROM search_vocabulary
                  WHERE term >= $1 AND term < $2 ORDER BY term LIMIT $3)",
                )
                .bind(&word.text)
                .bind(format!("{}{}", word.text, char::MAX))
                .bind(search::MAX_EXPANSION as i64 + 1)
                .fetch_one(pool)
                .await?;
                let found: Vec<String> = from_json(&found)?;
                (found.len() <= search::MAX_EXPANSION).then_some(found)
            } else {
                None
            },
        );
    }
    Ok(search::fts_query(&words, &expanded, own_rows(f)).map(|q| (words, q)))
}

/// Whose search rows alone a search reads: a requester's own (so never an internal note's,
/// which belong to staff), or every row for staff, whom the list's requester filter then
/// narrows instead (so a note on that requester's ticket is found too).
fn own_rows(f: &TicketFilter) -> Option<i64> {
    f.requested_by.filter(|_| !f.staff)
}

/// Adds the words of `texts` to the vocabulary long prefixes are expanded from, inside the
/// caller's transaction (so a word is there exactly when its row is).
pub async fn add_terms(conn: &mut Conn, texts: &[&str]) -> Result<(), AppError> {
    // PostgreSQL's index answers prefixes itself (`word:*`): no vocabulary there.
    if Backend::of_conn(conn) == Backend::Postgres {
        return Ok(());
    }
    let mut all: Vec<String> = texts.iter().flat_map(|t| search::terms(t)).collect();
    all.sort_unstable();
    all.dedup();
    let list = serde_json::Value::from(all).to_string();
    sqlx::query("INSERT OR IGNORE INTO search_vocabulary (term) SELECT value FROM json_each($1)")
        .bind(list)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// How many matching rows one round of a search reads, newest first, and how many rounds at
/// most (so 4,000 rows): a search costs about the same however common its words are. Older
/// matches beyond that are reported as `more_matches` (more words or filters find them).
/// Rounds stop once `SEARCH_LIMIT` tickets are found: a common word's first 250 rows are
/// already 250 tickets with it in the subject (rounds of 1,000 spent 4x the time on rows
/// nobody sees; bench at 1M, 16 connections: p99 39-49 -> 20-25 ms).
const SEARCH_WINDOW: i64 = 250;

/// On PostgreSQL, how many of the newest search rows a round checks one by one before it
/// asks the index for older matches.
const RECENT_ROWS: i64 = 5_000;

const SEARCH_ROUNDS: usize = 16;

pub(super) struct Found {
    pub(super) tickets: Vec<TicketSummary>,
    pub(super) counts: Vec<(TicketStatus, i64)>,
    pub(super) more_matches: bool,
}

/// How well a ticket matches: all the words in its number, else all in its subject, else
/// (only) in a comment; lower is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    Number,
    Subject,
    Comment,
}

/// One ticket found: its rank, the newest comment that matched (none when its ticket row
/// did), what sorts it.
struct Hit {
    rank: Rank,
    comment_id: Option<i64>,
    status: TicketStatus,
    date_started: i64,
}

/// Tickets matching `f`'s words, best first: those with every word in the number, then in
/// the subject, then the others, newest first within each. Reads the newest matching
/// comments in rounds of `SEARCH_WINDOW`, so the cost is bounded; returns at most `limit`,
/// the subject marked and a snippet of the newest comment that matched.
pub(super) async fn search(
    pool: &Pool,
    f: &TicketFilter,
    (words, query): &(Vec<Word>, String),
    limit: i64,
) -> Result<Found, AppError> {
    use std::collections::{HashMap, hash_map::Entry};
    let b = Backend::of(pool);
    let mut conn = pool.acquire().await?;
    let mut hits: HashMap<i64, Hit> = HashMap::new();
    let (mut before, mut more_matches) = (i64::MAX, false);
    for _ in 0..SEARCH_ROUNDS {
        let (read, last, found): (i64, Option<i64>, String) = round_query("", b, f, query, before)
            .build_query_as()
            .fetch_one(&mut *conn)
            .await?;
        more_matches = read == SEARCH_WINDOW;
        let Some(last) = last else { break };
        before = last;
        let mut found: Vec<RoundHit> = from_json(&found)?;
        // Newest first: its ticket row or its newest comment decides a ticket's rank.
        found.sort_unstable_by_key(|h| std::cmp::Reverse(h.0));
        for (_, comment_id, ticket_id, status, date_started, number, subject) in found {
            let Entry::Vacant(slot) = hits.entry(ticket_id) else {
                continue; // its ticket row or a newer comment came first
            };
            let rank = if search::has_all(&number, words) {
                Rank::Number
            } else if search::has_all(&subject, words) {
                Rank::Subject
            } else {
                Rank::Comment
            };
            slot.insert(Hit {
                rank,
                comment_id,
                status,
                date_started,
            });
        }
        if !more_matches || hits.len() as i64 >= limit {
            break;
        }
    }
    let counts = TicketStatus::ALL
        .into_iter()
        .map(|s| (s, hits.values().filter(|h| h.status == s).count() as i64))
        .collect();
    let mut ranked: Vec<(i64, Hit)> = hits
        .into_iter()
        .filter(|(_, h)| f.statuses.is_empty() || f.statuses.contains(&h.status))
        .collect();
    ranked.sort_by_key(|(id, h)| (h.rank, std::cmp::Reverse((h.date_started, *id))));
    ranked.truncate(limit.max(0) as usize);

    // Each shown ticket with the text of the comment that matched, as its snippet for now.
    let shown = serde_json::Value::from(
        ranked
            .iter()
            .enumerate()
            .map(|(i, (id, h))| serde_json::json!([id, h.comment_id, i]))
            .collect::<Vec<_>>(),
    );
    let mut rows = fetch_summaries(&mut shown_query("", b, shown.to_string()), &mut *conn).await?;
    for row in &mut rows {
        row.subject = search::mark(&row.subject, words);
        row.snippet = row
            .snippet
            .as_deref()
            .and_then(|text| search::snippet(text, words, 12));
    }
    Ok(Found {
        tickets: rows,
        counts,
        more_matches,
    })
}

/// One search row's ticket in a round: the search rowid, the comment id of a comment row,
/// the ticket's id, status, date started, number (with its bare sequence) and subject.
type RoundHit = (i64, Option<i64>, i64, TicketStatus, i64, String, String);

/// One round of a search, as one row: how many search rows it read (the newest
/// `SEARCH_WINDOW` matching `query` below the id `before`: both indexes stop there, however
/// many match), the last of them, and as a JSON array of `RoundHit`s their tickets that
/// pass `f` (all but its statuses: the counts show them all). One row rather than a
/// thousand: sqlx hands every row over from its SQLite thread, and those handoffs were
/// most of a search's time.
pub(super) fn round_query<'a>(
    start: &str,
    b: Backend,
    f: &'a TicketFilter,
    query: &'a str,
    before: i64,
) -> Sql<'a> {
    // The matching rows, newest first, each with its ticket.
    let mut q = match b {
        // FTS5 reads its index in rowid order and stops; the requester is in `query`.
        Backend::Sqlite => {
            let mut q = Sql::new(format!(
                "{start}WITH w AS MATERIALIZED (SELECT rowid AS id,
                        CASE WHEN rowid >= {TICKET_ROWS} THEN rowid - {TICKET_ROWS}
                        ELSE (SELECT c.ticket_id FROM ticket_comments c
                               WHERE c.id = ticket_search.rowid)
                        END AS ticket_id
                   FROM ticket_search WHERE ticket_search MATCH "
            ));
            q.push_bind(query).push(" AND rowid < ").push_bind(before);
            q
        }
        // A GIN index has no order: the planner must choose between reading the newest
        // rows until enough match (a common word) and the index's every match, sorted (a
        // rare one), and it cannot tell them apart for prefixes: it guessed 29,989 rows for
        // "kaleidoscope", read 6 million newest first and found 12 (7.3 s, at 1,000,000
        // tickets). So both, each bounded: the newest `RECENT_ROWS` rows are checked; only
        // if they hold too few matches does the index find the older ones (`id + 0` keeps
        // the planner off the primary key's order).
        Backend::Postgres => {
            let mut q = Sql::new(start);
            let (query, before) = (q.bind(query), q.bind(before));
            let mine = match own_rows(f) {
                Some(user) => format!(" AND owner = {}", q.bind(user)),
                None => String::new(),
            };
            let matches = format!("document @@ to_tsquery('helpdesk', {query})");
            // `recent` is read in order and stops at the window's last match; `older` runs
            // only when that found too few (a one-time filter), and `id + 0` keeps the
            // primary key out of it (a BitmapAnd with it read the whole key: 390 ms).
            let recent = format!(
                "SELECT id, ticket_id, document FROM ticket_search
                  WHERE id < {before}{mine} ORDER BY id DESC LIMIT {RECENT_ROWS}"
            );
            q.push(format_args!(
                "WITH hits AS MATERIALIZED (SELECT id, ticket_id FROM ({recent}) r
                        WHERE {matches} LIMIT {SEARCH_WINDOW}),
                    older AS MATERIALIZED (SELECT id, ticket_id FROM ticket_search
                        WHERE (SELECT COUNT(*) FROM hits) < {SEARCH_WINDOW} AND {matches}
                          AND id + 0 < (SELECT COALESCE(MIN(id), {before}) FROM ({recent}) r)
                          {mine}
                        ORDER BY id + 0 DESC LIMIT {SEARCH_WINDOW}),
                    w AS MATERIALIZED (SELECT id, ticket_id FROM hits
                        UNION ALL SELECT id, ticket_id FROM older"
            ));
            q
        }
    };
    let hit = format!(
        "{}(w.id, CASE WHEN w.id < {TICKET_ROWS} THEN w.id END, t.id, t.status,
            t.date_started, t.service_request_no || ' ' ||
                CAST(CAST(substr(t.service_request_no, 9) AS BIGINT) AS TEXT),
            t.subject)",
        b.json_array()
    );
    q.push(format_args!(
        " ORDER BY id DESC LIMIT {SEARCH_WINDOW})
        SELECT (SELECT COUNT(*) FROM w), (SELECT MIN(id) FROM w),
               (SELECT {} FROM w {} tickets t ON t.id = w.ticket_id WHERE 1 = 1",
        b.json_list(&hit, ""),
        b.ordered_join()
    ));
    push_filter(&mut q, f, false);
    q.push(")");
    q
}

/// Where the search rows of tickets start (migration 0007): a rowid from here is the ticket
/// `rowid - TICKET_ROWS`, one below it a comment's id.
const TICKET_ROWS: i64 = 1 << 40;

/// The list rows of `shown` (a JSON array of [ticket id, matched comment id or null,
/// place]), in that order, each with its comment's text as the snippet, after `start`.
pub(super) fn shown_query<'a>(start: &str, b: Backend, shown: String) -> Sql<'a> {
    let mut q = summaries_query(start, b, "ASC");
    let snippet = "(SELECT bc.comment_text FROM ticket_comments bc
                     WHERE bc.id = CAST(j.value ->> 1 AS BIGINT))";
    let shown = q.bind(shown);
    q.push(format!(
        "SELECT {}, CAST(j.value ->> 2 AS BIGINT) AS k1, 0 AS k2 FROM ",
        summary_columns(snippet)
    ))
    .push(b.json_rows(&shown))
    .push(format!(
        " {} tickets t ON t.id = CAST(j.value ->> 0 AS BIGINT)",
        b.ordered_join()
    ))
    .push(summary_joins(b))
    .push(") s");
    q
}
