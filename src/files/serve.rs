//! `GET /files/{id}/{name}`: an attachment, to those who may see its comment. Pictures
//! (PNG, JPEG, GIF, WebP: the types browsers render without running anything) are shown
//! inline; everything else, HTML and SVG included, is a download typed
//! `application/octet-stream`. Always `nosniff` and a sandboxing CSP, so even a file that
//! slipped through could run nothing in our origin. Byte ranges for large files; a strong
//! ETag (the content's hash: a file never changes).

use super::upload::Files;
use crate::auth::guard::Caller;
use crate::base::{context::if_none_match, db::Pool};
use crate::error::AppError;
use axum::{
    Extension,
    body::Body,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

/// The policy of every file served: nothing in it may run, load or submit anything.
const SANDBOX: &str = "sandbox; default-src 'none'";

/// One attachment as the rights check needs it.
#[derive(sqlx::FromRow)]
struct Served {
    name: String,
    sha256: String,
    size: i64,
    content_type: String,
    requested_by: i64,
    #[sqlx(try_from = "crate::base::db::Flag")]
    internal: bool,
}

pub async fn serve(
    State(pool): State<Pool>,
    State(files): State<Files>,
    Extension(caller): Extension<Caller>,
    Path((id, _name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    match answer(&pool, &files, &caller, &id, &headers).await {
        Ok(res) => res,
        Err(e) => e.status_response(),
    }
}

/// `GET /files/{id}/thumb/{name}`: a picture's thumbnail, to those who may see the
/// picture; 404 for a file without one.
pub async fn thumbnail(
    State(pool): State<Pool>,
    Extension(caller): Extension<Caller>,
    Path((id, _name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        let file = find(&pool, &caller, &id).await?;
        let thumb: Option<(String, Vec<u8>)> = sqlx::query_as(
            "SELECT content_type, data FROM attachment_thumbs
              WHERE sha256 = $1 AND data IS NOT NULL",
        )
        .bind(&file.sha256)
        .fetch_optional(&pool)
        .await?;
        let (content_type, data) = thumb.ok_or(AppError::NotFound)?;
        let etag = format!("\"t{}\"", file.sha256);
        let mut res = if if_none_match(&headers, &etag) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let mut res = data.into_response();
            res.headers_mut()
                .insert(header::CONTENT_TYPE, value(&content_type));
            res
        };
        guard(res.headers_mut(), &etag);
        Ok::<_, AppError>(res)
    };
    answer.await.unwrap_or_else(|e| e.status_response())
}

/// An attachment as `caller` may see it: someone else's ticket, or a requester and an
/// internal note's file, is as if there were none.
async fn find(pool: &Pool, caller: &Caller, id: &str) -> Result<Served, AppError> {
    let user = caller.get(pool).await?.ok_or(AppError::Unauthenticated)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let file: Served = sqlx::query_as(
        "SELECT a.name, a.sha256, b.size, b.content_type, t.requested_by, c.internal
           FROM attachments a
           JOIN attachment_blobs b ON b.sha256 = a.sha256
           JOIN tickets t ON t.id = a.ticket_id
           JOIN ticket_comments c ON c.id = a.comment_id
          WHERE a.id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?
    .ok_or(AppError::NotFound)?;
    if !user.is_staff && (file.requested_by != user.id || file.internal) {
        return Err(AppError::NotFound);
    }
    Ok(file)
}

async fn answer(
    pool: &Pool,
    files: &Files,
    caller: &Caller,
    id: &str,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let file = find(pool, caller, id).await?;
    let size = file.size as u64;
    let etag = format!("\"{}\"", file.sha256);
    let inline = super::model::is_picture(&file.content_type);
    let mut res = if if_none_match(headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        match range(headers, &etag, size) {
            Err(()) => {
                let mut res = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
                res.headers_mut()
                    .insert(header::CONTENT_RANGE, value(&format!("bytes */{size}")));
                return Ok(res);
            }
            Ok(None) => body(pool, files, &file.sha256, 0..size, StatusCode::OK).await?,
            Ok(Some(part)) => {
                let mut res = body(
                    pool,
                    files,
                    &file.sha256,
                    *part.start()..part.end() + 1,
                    StatusCode::PARTIAL_CONTENT,
                )
                .await?;
                res.headers_mut().insert(
                    header::CONTENT_RANGE,
                    value(&format!("bytes {}-{}/{size}", part.start(), part.end())),
                );
                res
            }
        }
    };
    let h = res.headers_mut();
    guard(h, &etag);
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::CONTENT_TYPE,
        value(if inline {
            &file.content_type
        } else {
            "application/octet-stream"
        }),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        value(&disposition(inline, &file.name)),
    );
    Ok(res)
}

/// The headers of every file and thumbnail served.
fn guard(h: &mut HeaderMap, etag: &str) {
    h.insert(header::ETAG, value(etag));
    // Kept by the browser alone, and asked again each time (a 304 when unchanged), since
    // who may see it can change.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(SANDBOX),
    );
}

async fn body(
    pool: &Pool,
    files: &Files,
    sha256: &str,
    range: std::ops::Range<u64>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let len = range.end - range.start;
    let stream = files.store.read(pool, sha256, range).await.map_err(|e| {
        tracing::error!(error = %e, sha256, "an attachment's bytes are missing");
        AppError::Internal
    })?;
    let mut res = (status, Body::from_stream(stream)).into_response();
    res.headers_mut()
        .insert(header::CONTENT_LENGTH, value(&len.to_string()));
    Ok(res)
}

/// The one range asked for, if any and if `If-Range` (when sent) still names this file;
/// `Err` when it lies outside the file. Several ranges at once are answered whole.
fn range(
    headers: &HeaderMap,
    etag: &str,
    size: u64,
) -> Result<Option<std::ops::RangeInclusive<u64>>, ()> {
    let Some(asked) = headers.get(header::RANGE).and_then(|v| v.to_str().ok()) else {
        return Ok(None);
    };
    if let Some(if_range) = headers.get(header::IF_RANGE)
        && if_range.as_bytes() != etag.as_bytes()
    {
        return Ok(None);
    }
    let Ok(parsed) = http_range_header::parse_range_header(asked) else {
        return Ok(None);
    };
    match parsed.validate(size) {
        Ok(ranges) if ranges.len() == 1 => Ok(ranges.into_iter().next()),
        Ok(_) => Ok(None),
        Err(_) => Err(()),
    }
}

/// `inline` or `attachment`, with the name twice (RFC 6266): plain ASCII for old clients,
/// and as UTF-8 (RFC 8187) for the rest.
fn disposition(inline: bool, name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    format!(
        "{}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}",
        if inline { "inline" } else { "attachment" }
    )
}

fn value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_reach_every_browser_and_cannot_break_the_header() {
        assert_eq!(
            super::disposition(true, "shot.png"),
            "inline; filename=\"shot.png\"; filename*=UTF-8''shot%2Epng"
        );
        assert_eq!(
            super::disposition(false, "Bericht \"Q3\" ü.pdf"),
            "attachment; filename=\"Bericht _Q3_ _.pdf\"; filename*=UTF-8''Bericht%20%22Q3%22%20%C3%BC%2Epdf"
        );
    }
}
