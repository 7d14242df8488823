//! `GET /tickets.csv?<the list's query>`: the list as CSV, every ticket the filters pick
//! (not one page), streamed in batches so a large export never sits in memory. RFC 4180
//! (the `csv` crate), UTF-8; cells that a spreadsheet would run as a formula are
//! neutralised. Staff export anything; anyone else their own tickets only.

use super::{
    db,
    model::{Cursor, PageAt, TicketQuery, TicketStatus},
};
use crate::base::db::Pool;
use crate::{auth::guard::Caller, error::AppError, time::UtcTime};
use axum::{
    Extension,
    body::{Body, Bytes},
    extract::{RawQuery, State},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use futures_util::StreamExt;

/// Tickets per batch: one keyset page and its comments at a time.
const BATCH: i64 = 500;

const HEADER: [&str; 13] = [
    "Number",
    "Subject",
    "Status",
    "Request type",
    "Department",
    "Requested by",
    "Requester email",
    "Started (UTC)",
    "Finished (UTC)",
    "Comments",
    "Comment texts",
    "Device numbers",
    // The files on its public comments, as the list's paperclip counts them.
    "Files",
];

pub async fn export(
    State(pool): State<Pool>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Response {
    match start(&pool, &caller, query.as_deref().unwrap_or("")).await {
        Ok(body) => {
            let mut res = body.into_response();
            let h = res.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            h.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"tickets.csv\""),
            );
            res
        }
        Err(e) => e.status_response(),
    }
}

async fn start(pool: &Pool, caller: &Caller, query: &str) -> Result<Body, AppError> {
    let user = caller.get(pool).await?.ok_or(AppError::Unauthenticated)?;
    let mut params = leptos_router::params::ParamsMap::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        params.insert(k.to_string(), v.replace('+', " ")); // insert() unescapes
    }
    let filter = TicketQuery::from_params(&params).filter;
    // The list quietly shows a user their own tickets; asking for a file of someone
    // else's is refused outright.
    if !user.is_staff
        && filter
            .requester
            .as_ref()
            .is_some_and(|n| *n != user.username)
    {
        return Err(AppError::Forbidden);
    }
    let filter = super::api::scoped(pool, &user, filter).await?;
    let state = Batches {
        pool: pool.clone(),
        filter,
        after: None,
        first: true,
        done: false,
    };
    // Fused: a body may be polled again after its end (tower-http's compression does, for
    // trailers), and an `unfold` stream panics when it is; the export then broke off in
    // every browser (issue 21).
    let stream = futures_util::stream::unfold(state, |mut s| async move {
        if s.done {
            return None;
        }
        let chunk = s.next().await.map_err(|e| {
            tracing::error!(error = %e, "a CSV export failed part-way");
            std::io::Error::other("the export failed")
        });
        if chunk.is_err() {
            s.done = true;
        }
        Some((chunk, s))
    })
    .fuse();
    Ok(Body::from_stream(stream))
}

struct Batches {
    pool: Pool,
    filter: super::model::TicketFilter,
    after: Option<Cursor>,
    first: bool,
    done: bool,
}

impl Batches {
    /// The next batch as CSV (with the header first).
    async fn next(&mut self) -> Result<Bytes, AppError> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let fail = |e: csv::Error| {
            tracing::error!(error = %e, "writing CSV");
            AppError::Internal
        };
        if self.first {
            self.first = false;
            w.write_record(HEADER).map_err(fail)?;
        }
        // A search is ranked, not paged: its (bounded) matches are one batch.
        let tickets = if self.filter.text.is_some() {
            self.done = true;
            db::page(&self.pool, &self.filter, PageAt::First, BATCH)
                .await?
                .tickets
        } else {
            let rows = db::list(&self.pool, &self.filter, self.after, BATCH).await?;
            self.done = (rows.len() as i64) < BATCH;
            self.after = rows.last().map(|t| Cursor::of(t, self.filter.sort));
            rows
        };
        let ids: Vec<i64> = tickets.iter().map(|t| t.id).collect();
        let extra = db::export_details(&self.pool, &ids, self.filter.staff).await?;
        for t in tickets {
            let (email, comments, devices) = extra.get(&t.id).cloned().unwrap_or_default();
            let time = |ms: i64| UtcTime::from_ms(ms).iso();
            let status: TicketStatus = t.status;
            let cells = [
                t.service_request_no,
                strip_marks(&t.subject),
                status.label().to_string(),
                t.request_type,
                t.department,
                t.requester,
                email,
                time(t.date_started),
                t.date_finished.map(time).unwrap_or_default(),
                t.comment_count.to_string(),
                comments,
                devices,
                t.file_count.to_string(),
            ];
            w.write_record(cells.iter().map(|c| neutralised(c).into_owned()))
                .map_err(fail)?;
        }
        let bytes = w.into_inner().map_err(|e| fail(e.into_error().into()))?;
        Ok(Bytes::from(bytes))
    }
}

/// A search marks its matches in the subject; the file gets the plain text.
fn strip_marks(text: &str) -> String {
    text.replace([crate::text::MARK_START, crate::text::MARK_END], "")
}

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, or a tab or carriage
/// return before one) gets a leading apostrophe, so it is shown as the text it is.
pub fn neutralised(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn formulas_are_neutralised_and_text_is_left_alone() {
        for (cell, out) in [
            ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@cmd", "'@cmd"),
            ("\t=x", "'\t=x"),
            ("plain, text", "plain, text"),
            ("", ""),
        ] {
            assert_eq!(super::neutralised(cell), out);
        }
    }
}
