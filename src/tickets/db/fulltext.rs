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

const SEARCH_ROUNDS: usize = 16;

/// How much one PostgreSQL search reads at most (`postgres_rows`): one set for the app,
/// measured at 1,000,000 tickets (bench/RESULTS.md, issue 25); tests give smaller ones to
/// reach every path on a few rows.
#[derive(Debug, Clone, Copy)]
pub(super) struct Bounds {
    /// The most rows the rarest word may be estimated to be in for the index to answer over
    /// all of history: it hands over every row with that word, each then checked for the
    /// others.
    pub indexed_rows: f64,
    /// How long the index may take before the search falls back to the newest rows:
    /// estimates can be wrong (a word common only in old comments), and a search never
    /// holds a connection for long.
    pub index_timeout_ms: u32,
    /// How many of the newest ticket rows, and of the newest comment rows, are checked one
    /// by one when no word is rare (about 0.5 us a row: a few ms in all).
    pub recent_rows: i64,
    /// The same for a requester's own rows, which lie apart in the table (a lookup each:
    /// about 2 us a row); most requesters have fewer in all.
    pub own_recent_rows: i64,
    /// How many matches each side of the newest rows stops at: a page shows 50 tickets, and
    /// each matching ticket row is one (250 a side spent a third of a requester's
    /// common-word search on rows nobody sees).
    pub recent_matches: i64,
}

pub(super) const BOUNDS: Bounds = Bounds {
    indexed_rows: 5_000.0,
    index_timeout_ms: 50,
    recent_rows: 5_000,
    own_recent_rows: 1_000,
    recent_matches: 100,
};

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

/// The tickets found so far, each by its newest matching row.
type Hits = std::collections::HashMap<i64, Hit>;

/// Tickets matching `f`'s words, best first: those with every word in the number, then in
/// the subject, then the others, newest first within each. The work is bounded on both
/// backends (SQLite: `sqlite_rounds`; PostgreSQL: `postgres_rows`); returns at most
/// `limit`, the subject marked and a snippet of the newest comment that matched.
pub(super) async fn search(
    pool: &Pool,
    f: &TicketFilter,
    (words, query): &(Vec<Word>, String),
    limit: i64,
    bounds: &Bounds,
) -> Result<Found, AppError> {
    let b = Backend::of(pool);
    let mut conn = pool.acquire().await?;
    let mut hits = Hits::new();
    let more_matches = match b {
        Backend::Sqlite => sqlite_rounds(&mut conn, f, words, query, limit, &mut hits).await?,
        Backend::Postgres => postgres_rows(&mut conn, f, words, query, bounds, &mut hits).await?,
    };
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

/// Adds the tickets of `found` (a JSON array of `RoundHit`s) not found before: its ticket
/// row or its newest comment decides a ticket's rank.
fn absorb(hits: &mut Hits, found: &str, words: &[Word]) -> Result<(), AppError> {
    use std::collections::hash_map::Entry;
    let mut found: Vec<RoundHit> = from_json(found)?;
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
    Ok(())
}

/// SQLite: the newest matching rows in rounds of `SEARCH_WINDOW` (FTS5 reads its index in
/// rowid order and stops), until `limit` tickets are found or `SEARCH_ROUNDS` are done.
/// Whether older matches were left unread.
async fn sqlite_rounds(
    conn: &mut Conn,
    f: &TicketFilter,
    words: &[Word],
    query: &str,
    limit: i64,
    hits: &mut Hits,
) -> Result<bool, AppError> {
    let (mut before, mut more_matches) = (i64::MAX, false);
    for _ in 0..SEARCH_ROUNDS {
        let (read, last, found): (i64, Option<i64>, String) = round_query("", f, query, before)
            .build_query_as()
            .fetch_one(&mut *conn)
            .await?;
        more_matches = read == SEARCH_WINDOW;
        let Some(last) = last else { break };
        before = last;
        absorb(hits, &found, words)?;
        if !more_matches || hits.len() as i64 >= limit {
            break;
        }
    }
    Ok(more_matches)
}

/// PostgreSQL: a GIN index has no order, and a common word's rows (or a short prefix's,
/// whose every matching word's rows the index gathers before anything else) are millions
/// at 1,000,000 tickets: "printer network update screen" took 140 ms, "to" 2.4 s. So a
/// search reads one of two bounded things. When its rarest word is in few rows by the
/// planner's own statistics, the index finds every match in all of history (under
/// `index_timeout_ms`, in case the estimate is wrong); otherwise, or if that runs out, the
/// newest `recent_rows` ticket rows and comment rows are checked one by one, and older
/// matches are reported as `more_matches`. Whether older matches were left unread.
async fn postgres_rows(
    conn: &mut Conn,
    f: &TicketFilter,
    words: &[Word],
    query: &str,
    bounds: &Bounds,
    hits: &mut Hits,
) -> Result<bool, AppError> {
    if let Some(rare) = rarest_word(conn, words, bounds.indexed_rows).await? {
        let rare = search::ts_query(std::slice::from_ref(&rare)).unwrap_or_default();
        let mut q = indexed_query("", f, query, &rare);
        if let Some((read, _, found)) = within(conn, bounds.index_timeout_ms, &mut q).await? {
            absorb(hits, &found, words)?;
            return Ok(read == INDEXED_MATCHES);
        }
        tracing::info!(
            "search: the index took over {} ms; reading the newest rows",
            bounds.index_timeout_ms
        );
    }
    let (older, _, found): (bool, Option<i64>, String) = recent_query("", f, query, bounds)
        .build_query_as()
        .fetch_one(&mut *conn)
        .await?;
    absorb(hits, &found, words)?;
    Ok(older)
}

/// One round's row of `q` (PostgreSQL), or None if it ran over `ms` milliseconds: a
/// statement timeout for this statement alone (its transaction's), so the connection goes
/// back to the pool as it came.
pub(super) async fn within(
    conn: &mut Conn,
    ms: u32,
    q: &mut Sql<'_>,
) -> Result<Option<(i64, Option<i64>, String)>, AppError> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    sqlx::query("SELECT set_config('statement_timeout', $1, true)")
        .bind(ms.to_string())
        .execute(&mut *tx)
        .await?;
    match q.build_query_as().fetch_one(&mut *tx).await {
        Ok(row) => {
            tx.commit().await?;
            Ok(Some(row))
        }
        // 57014: cancelled by the statement timeout.
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("57014") => {
            tx.rollback().await?;
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// The word of `words` in the fewest search rows, if that is few enough for the index
/// (`max_rows`), by the statistics ANALYZE keeps of the search rows' words (the
/// planner's own: their most common words with the share of rows each is in). A prefix
/// counts every common word it begins. A word not among them is taken as rare: it is in
/// fewer rows than the least common of them (at 1,000,000 seeded tickets, whose words are
/// few, that bound is 27,000 rows, yet "kaleidoscope" is in 13), and the index's timeout
/// bounds a wrong guess. Without statistics yet (a new database) every word is rare.
pub(super) async fn rarest_word(
    conn: &mut Conn,
    words: &[Word],
    max_rows: f64,
) -> Result<Option<Word>, AppError> {
    let list = serde_json::Value::from(
        words
            .iter()
            .map(|w| serde_json::json!([w.text, w.prefix]))
            .collect::<Vec<_>>(),
    );
    let rows: Vec<(i64, Option<f64>)> = sqlx::query_as(
        // Each part once (MATERIALIZED): inlined, pg_stats was read and the JSON parsed
        // again for each word and common word (1.3 ms for 8 words; 0.4 ms so).
        "WITH s AS MATERIALIZED (SELECT CAST(most_common_elems AS TEXT) AS elems,
                           most_common_elem_freqs AS freqs
                      FROM pg_stats WHERE schemaname = current_schema()
                       AND tablename = 'ticket_search' AND attname = 'document'),
              common AS MATERIALIZED (SELECT e.word, e.freq
                           FROM s, unnest(CAST(s.elems AS TEXT[]), s.freqs) AS e(word, freq)
                          WHERE e.word IS NOT NULL),
              total AS MATERIALIZED (SELECT GREATEST(reltuples, 0) AS n FROM pg_class
                         WHERE oid = to_regclass('ticket_search')),
              w AS MATERIALIZED (SELECT v ->> 0 AS word, CAST(v ->> 1 AS BOOLEAN) AS prefix, i
                   FROM json_array_elements(CAST($1 AS JSON)) WITH ORDINALITY AS j(v, i))
         SELECT CAST(w.i AS BIGINT),
                CAST(COALESCE((SELECT n FROM total), 0) *
                    (SELECT SUM(c.freq) FROM common c WHERE c.word = w.word
                        OR (w.prefix AND starts_with(c.word, w.word))) AS FLOAT8)
           FROM w",
    )
    .bind(list.to_string())
    .fetch_all(&mut *conn)
    .await?;
    // A word none of the common ones is (or begins) counts as in no rows at all.
    Ok(rows
        .into_iter()
        .map(|(i, rows)| (i, rows.unwrap_or(0.0)))
        .filter(|(_, rows)| *rows <= max_rows)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .and_then(|(i, _)| words.get(i as usize - 1).cloned()))
}

/// How many matching rows the index path reads at most, newest first.
const INDEXED_MATCHES: i64 = 4 * SEARCH_WINDOW;

/// PostgreSQL, for a search with a rare word: every row with the rare word (`rare`, from
/// the index alone: the fence keeps the other words out of the index scan, where each
/// common word's rows would be gathered too), checked for all of `query`, newest first.
/// One row: how many matched (at most `INDEXED_MATCHES`), the last, and their `RoundHit`s.
pub(super) fn indexed_query<'a>(
    start: &str,
    f: &'a TicketFilter,
    query: &'a str,
    rare: &'a str,
) -> Sql<'a> {
    let mut q = Sql::new(start);
    let (query, rare) = (q.bind(query), q.bind(rare));
    let mine = owner_condition(&mut q, f);
    q.push(format_args!(
        "WITH w AS MATERIALIZED (SELECT id, ticket_id FROM (SELECT id, ticket_id, document
                  FROM ticket_search WHERE document @@ to_tsquery('helpdesk', {rare}){mine}
                  OFFSET 0) r
                WHERE document @@ to_tsquery('helpdesk', {query})
                ORDER BY id DESC LIMIT {INDEXED_MATCHES})
        SELECT (SELECT COUNT(*) FROM w), (SELECT MIN(id) FROM w), "
    ));
    push_round_hits(&mut q, Backend::Postgres, f);
    q
}

/// PostgreSQL, for a search without a rare word: the newest `recent_rows` ticket rows and
/// comment rows, each checked for `query` until `recent_matches` match (apart: ticket rows
/// are numbered above every comment, and a word only in comments would otherwise wait
/// behind all of them). One row: whether older rows were left unchecked, and the
/// `RoundHit`s.
pub(super) fn recent_query<'a>(
    start: &str,
    f: &'a TicketFilter,
    query: &'a str,
    bounds: &Bounds,
) -> Sql<'a> {
    let mut q = Sql::new(start);
    let query = q.bind(query);
    let mine = owner_condition(&mut q, f);
    let window = if mine.is_empty() {
        bounds.recent_rows
    } else {
        bounds.own_recent_rows
    };
    let matches = bounds.recent_matches;
    let newest = |rows: &str| {
        if mine.is_empty() {
            // Staff: the primary key's newest entries in order, until enough match (the
            // rows lie together in the table).
            format!(
                "(SELECT id, ticket_id FROM (SELECT id, ticket_id, document FROM ticket_search
                    WHERE {rows} ORDER BY id DESC LIMIT {window}) r
                  WHERE document @@ to_tsquery('helpdesk', {query}) LIMIT {matches})"
            )
        } else {
            // A requester: the rows from the owner index down to the window's oldest (its
            // key read in the index alone), then only the matches sorted. Taking the newest
            // rows with their documents, the planner gathered and sorted them all (5 ms for
            // a requester with 2,037 tickets). The fence keeps the words out of the index
            // scan, where the GIN index would gather each common word's rows (255 ms).
            format!(
                "(SELECT id, ticket_id FROM (SELECT id, ticket_id, document FROM ticket_search
                    WHERE {rows}{mine} AND id >= COALESCE((SELECT id FROM ticket_search
                        WHERE {rows}{mine} ORDER BY id DESC OFFSET {} LIMIT 1), 0)
                    OFFSET 0) r
                  WHERE document @@ to_tsquery('helpdesk', {query})
                  ORDER BY id DESC LIMIT {matches})",
                window - 1
            )
        }
    };
    // Older matches may exist on a side that stopped at `recent_matches`, or that has rows
    // beyond its window (read in an index alone).
    let more = |rows: &str| {
        format!(
            "(SELECT COUNT(*) FROM w WHERE {rows}) = {matches}
             OR EXISTS (SELECT 1 FROM ticket_search WHERE {rows}{mine}
                         ORDER BY id DESC OFFSET {window})"
        )
    };
    let (tickets, comments) = (
        format!("id >= {TICKET_ROWS}"),
        format!("id < {TICKET_ROWS}"),
    );
    q.push(format_args!(
        "WITH w AS MATERIALIZED ({} UNION ALL {})
        SELECT ({} OR {}), (SELECT MIN(id) FROM w), ",
        newest(&tickets),
        newest(&comments),
        more(&tickets),
        more(&comments),
    ));
    push_round_hits(&mut q, Backend::Postgres, f);
    q
}

/// ` AND owner = …` for a requester's own search rows (see `own_rows`), or nothing.
fn owner_condition(q: &mut Sql<'_>, f: &TicketFilter) -> String {
    match own_rows(f) {
        Some(user) => format!(" AND owner = {}", q.bind(user)),
        None => String::new(),
    }
}

/// The `RoundHit`s of the search rows in `w` whose tickets pass `f` (all but its statuses:
/// the counts show them all), as one JSON array, closing the statement.
fn push_round_hits<'a>(q: &mut Sql<'a>, b: Backend, f: &'a TicketFilter) {
    let hit = format!(
        "{}(w.id, CASE WHEN w.id < {TICKET_ROWS} THEN w.id END, t.id, t.status,
            t.date_started, t.service_request_no || ' ' ||
                CAST(CAST(substr(t.service_request_no, 9) AS BIGINT) AS TEXT),
            t.subject)",
        b.json_array()
    );
    q.push(format_args!(
        "(SELECT {} FROM w {} tickets t ON t.id = w.ticket_id WHERE 1 = 1",
        b.json_list(&hit, ""),
        b.ordered_join()
    ));
    push_filter(q, f, false);
    q.push(")");
}

/// One search row's ticket in a round: the search rowid, the comment id of a comment row,
/// the ticket's id, status, date started, number (with its bare sequence) and subject.
type RoundHit = (i64, Option<i64>, i64, TicketStatus, i64, String, String);

/// One round of a SQLite search, as one row: how many search rows it read (the newest
/// `SEARCH_WINDOW` matching `query` below the rowid `before`: FTS5 reads its index in rowid
/// order and stops there, however many match; the requester is in `query`), the last of
/// them, and as a JSON array of `RoundHit`s their tickets that pass `f`. One row rather
/// than a thousand: sqlx hands every row over from its SQLite thread, and those handoffs
/// were most of a search's time.
pub(super) fn round_query<'a>(
    start: &str,
    f: &'a TicketFilter,
    query: &'a str,
    before: i64,
) -> Sql<'a> {
    let mut q = Sql::new(format!(
        "{start}WITH w AS MATERIALIZED (SELECT rowid AS id,
                CASE WHEN rowid >= {TICKET_ROWS} THEN rowid - {TICKET_ROWS}
                ELSE (SELECT c.ticket_id FROM ticket_comments c
                       WHERE c.id = ticket_search.rowid)
                END AS ticket_id
           FROM ticket_search WHERE ticket_search MATCH "
    ));
    q.push_bind(query).push(" AND rowid < ").push_bind(before);
    q.push(format_args!(
        " ORDER BY id DESC LIMIT {SEARCH_WINDOW})
        SELECT (SELECT COUNT(*) FROM w), (SELECT MIN(id) FROM w), "
    ));
    push_round_hits(&mut q, Backend::Sqlite, f);
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
