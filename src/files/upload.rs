//! `POST /api/files`: files uploaded ahead of the comment they are for, each streamed into
//! the store as it arrives (memory stays at a chunk per upload, whatever the file's size).
//! The router mounts it apart from the other routes, without their 1 MiB body limit and
//! 30 s time limit: its own limits are the settings', and a stalled or crawling upload is
//! cut off instead.

use super::{
    db,
    model::{Limits, Uploaded, clean_name},
    store::{PutError, Store},
};
use crate::auth::guard::Caller;
use crate::base::db::Pool;
use crate::error::AppError;
use crate::text::bytes;
use axum::{
    Extension, Json,
    extract::{Multipart, State, multipart::MultipartRejection},
    response::{IntoResponse, Response},
};
use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// An upload that sends nothing for this long is cut off.
const IDLE: Duration = Duration::from_secs(20);

/// After its first half minute, an upload slower than this on average is cut off (a 25 MB
/// file at this rate takes under an hour).
const MIN_BYTES_PER_SECOND: u64 = 8 * 1024;

/// What the upload route needs: where files go, how large they may be, who uploaded what
/// lately.
#[derive(Clone)]
pub struct Files {
    pub store: Store,
    pub limits: Limits,
    /// How many files one person may start uploading in a minute (the setting).
    per_minute: usize,
    recent: Arc<Mutex<HashMap<i64, VecDeque<Instant>>>>,
}

impl Files {
    pub fn new(store: Store, limits: Limits, per_minute: u64) -> Files {
        Files {
            store,
            limits,
            per_minute: usize::try_from(per_minute).unwrap_or(usize::MAX),
            recent: Arc::default(),
        }
    }

    /// One more upload by `user`, unless they started `per_minute` in the last
    /// minute: then how many seconds until they may.
    fn take_turn(&self, user: i64) -> Result<(), u64> {
        let now = Instant::now();
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        recent.retain(|_, started| {
            while started
                .front()
                .is_some_and(|at| now.duration_since(*at) >= Duration::from_secs(60))
            {
                started.pop_front();
            }
            !started.is_empty()
        });
        let started = recent.entry(user).or_default();
        if started.len() >= self.per_minute {
            let waited = started
                .front()
                .map_or(Duration::ZERO, |first| now.duration_since(*first));
            return Err(Duration::from_secs(60)
                .saturating_sub(waited)
                .as_secs()
                .max(1));
        }
        started.push_back(now);
        Ok(())
    }
}

pub async fn upload(
    State(pool): State<Pool>,
    State(files): State<Files>,
    Extension(caller): Extension<Caller>,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    match receive(&pool, &files, &caller, form).await {
        Ok(uploaded) => Json(uploaded).into_response(),
        Err(e) => e.status_response(),
    }
}

async fn receive(
    pool: &Pool,
    files: &Files,
    caller: &Caller,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Vec<Uploaded>, AppError> {
    let user = caller.get(pool).await?.ok_or(AppError::Unauthenticated)?;
    let form = form.map_err(|e| AppError::Request(e.body_text()))?;
    let mut uploaded = Vec::new();
    let result = receive_each(pool, files, user.id, form, &mut uploaded).await;
    if result.is_err() {
        // All or nothing: the files before the one refused are not kept either.
        let tokens: Vec<String> = uploaded.into_iter().map(|u| u.token).collect();
        db::unstage(pool, &tokens).await?;
        return result.map(|()| Vec::new());
    }
    if uploaded.is_empty() {
        return Err(AppError::invalid("file", "Choose a file to attach."));
    }
    Ok(uploaded)
}

async fn receive_each(
    pool: &Pool,
    files: &Files,
    user_id: i64,
    mut form: Multipart,
    uploaded: &mut Vec<Uploaded>,
) -> Result<(), AppError> {
    while let Some(field) = form.next_field().await.map_err(broke_off)? {
        if field.name() != Some("file") {
            continue;
        }
        uploaded.push(take(pool, files, user_id, field, uploaded.len()).await?);
    }
    Ok(())
}

/// Stores one file of a form (the `already`-th of its request) and stages it for its
/// uploader, with its thumbnail if it is a picture.
async fn take(
    pool: &Pool,
    files: &Files,
    user_id: i64,
    field: axum::extract::multipart::Field<'_>,
    already: usize,
) -> Result<Uploaded, AppError> {
    let name = clean_name(field.file_name().unwrap_or(""));
    if already as u64 >= files.limits.per_comment {
        return Err(AppError::TooLarge(format!(
            "{name}: at most {} files go on one comment.",
            files.limits.per_comment
        )));
    }
    files
        .take_turn(user_id)
        .map_err(AppError::TooManyAttempts)?;
    let stored = store_checked(pool, files, &name, Box::pin(paced(field))).await?;
    let token = db::stage(pool, user_id, &stored, &name).await?;
    Ok(Uploaded {
        token,
        name,
        size: stored.size,
        content_type: stored.content_type.to_string(),
    })
}

/// Stores a file the server received itself (a mail's attachment, already in memory) as an
/// upload is stored: the same store, size limit and picture checks. `Err` says why not, naming
/// the file.
pub async fn keep(
    pool: &Pool,
    files: &Files,
    name: &str,
    bytes: Vec<u8>,
) -> Result<db::Kept, String> {
    let name = clean_name(name);
    let body = futures::stream::iter([Ok::<_, std::io::Error>(axum::body::Bytes::from(bytes))]);
    let stored = store_checked(pool, files, &name, body)
        .await
        .map_err(|e| match e {
            AppError::TooLarge(message) => message,
            e => format!("{name} could not be stored: {e}"),
        })?;
    Ok(db::Kept {
        sha256: stored.sha256,
        size: stored.size,
        name,
    })
}

/// Any file's way into the store, uploaded or mailed: at most the largest file allowed,
/// then its thumbnail if it is a picture (one with too many pixels refused, by `name`).
async fn store_checked<S, E>(
    pool: &Pool,
    files: &Files,
    name: &str,
    body: S,
) -> Result<super::store::Stored, AppError>
where
    S: futures::Stream<Item = Result<axum::body::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let stored = files
        .store
        .put(pool, body, files.limits.file)
        .await
        .map_err(|e| refused(name, e))?;
    super::thumbs::ensure(
        pool,
        &files.store,
        &stored.sha256,
        stored.size,
        stored.content_type,
    )
    .await?
    .map_err(|too_many| AppError::TooLarge(format!("{name} {too_many}.")))?;
    Ok(stored)
}

/// The server functions a form with files may be posted to without JavaScript.
pub const FORMS_WITH_FILES: [&str; 2] = ["add_comment", "create_ticket"];

/// The most a form's other fields may add up to (a comment is at most 10,000 characters).
const FIELDS_MAX: usize = 64 * 1024;

/// A form posted as `multipart/form-data` without JavaScript, to the server function
/// `name` (one of `FORMS_WITH_FILES`): its files are stored and staged as the upload route
/// does (all or nothing), and the rest becomes the request the server function takes, its
/// `file` fields replaced by `attachment[]` tokens. `Err` is the answer to send instead: the
/// page it came from, with the error for its form to show (as server functions answer a
/// plain form), or the error itself when there is no such page.
pub async fn form_with_files(
    pool: &Pool,
    files: &Files,
    caller: &Caller,
    name: &str,
    req: axum::extract::Request,
) -> Result<axum::extract::Request, Response> {
    use axum::extract::FromRequest;
    use axum::http::{HeaderValue, header};
    let path = format!("/api/{name}");
    let (parts, body) = req.into_parts();
    let answer_error = |e: AppError| -> Response {
        let back = parts
            .headers
            .get(header::REFERER)
            .and_then(|v| v.to_str().ok())
            .filter(|_| wants_html(&parts.headers));
        match back.and_then(|back| {
            leptos::server_fn::error::ServerFnUrlError::new(&path, e.clone())
                .to_url(back)
                .ok()
        }) {
            Some(url) => axum::response::Redirect::to(url.as_str()).into_response(),
            None => e.status_response(),
        }
    };
    if !FORMS_WITH_FILES.contains(&name) {
        return Err(AppError::NotFound.status_response());
    }
    let user = match caller.get(pool).await {
        Ok(Some(user)) => user,
        Ok(None) => return Err(answer_error(AppError::Unauthenticated)),
        Err(e) => return Err(answer_error(e)),
    };
    let request = axum::extract::Request::from_parts(parts.clone(), body);
    let form = Multipart::from_request(request, &())
        .await
        .map_err(|e| answer_error(AppError::Request(e.body_text())))?;
    let mut fields = Vec::new();
    let mut uploaded = Vec::new();
    let read = read_form(pool, files, user.id, form, &mut fields, &mut uploaded).await;
    if let Err(e) = read {
        let tokens: Vec<String> = uploaded.into_iter().map(|u| u.token).collect();
        if let Err(e) = db::unstage(pool, &tokens).await {
            return Err(e.status_response());
        }
        return Err(answer_error(e));
    }
    let mut body = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in &fields {
        body.append_pair(key, value);
    }
    for upload in &uploaded {
        body.append_pair("attachment[]", &upload.token);
    }
    let body = body.finish();
    let mut forwarded = axum::extract::Request::new(axum::body::Body::from(body.clone()));
    *forwarded.method_mut() = axum::http::Method::POST;
    *forwarded.uri_mut() = path
        .parse()
        .map_err(|_| AppError::NotFound.status_response())?;
    *forwarded.headers_mut() = parts.headers;
    *forwarded.extensions_mut() = parts.extensions;
    let headers = forwarded.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    Ok(forwarded)
}

/// A plain form post (a browser navigating), not a script's request.
fn wants_html(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// Reads a form's fields and files, in order: text fields kept (at most `FIELDS_MAX` in
/// all), each chosen file stored. A file input left empty sends a part with no name and
/// no bytes: skipped.
async fn read_form(
    pool: &Pool,
    files: &Files,
    user_id: i64,
    mut form: Multipart,
    fields: &mut Vec<(String, String)>,
    uploaded: &mut Vec<Uploaded>,
) -> Result<(), AppError> {
    let mut room = FIELDS_MAX;
    while let Some(mut field) = form.next_field().await.map_err(broke_off)? {
        let key = field.name().unwrap_or("").to_string();
        if key == "file" {
            if field.file_name().is_none_or(str::is_empty) {
                while field.chunk().await.map_err(broke_off)?.is_some() {}
                continue;
            }
            uploaded.push(take(pool, files, user_id, field, uploaded.len()).await?);
            continue;
        }
        let mut value = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(broke_off)? {
            room = room
                .checked_sub(chunk.len())
                .ok_or_else(|| AppError::TooLarge("The form's text is too long.".into()))?;
            value.extend_from_slice(&chunk);
        }
        let value = String::from_utf8(value)
            .map_err(|_| AppError::Request("The form was not sent as UTF-8.".into()))?;
        fields.push((key, value));
    }
    Ok(())
}

/// A file's bytes as they arrive, cut off when they stall for `IDLE` or crawl below
/// `MIN_BYTES_PER_SECOND`.
fn paced(
    field: axum::extract::multipart::Field<'_>,
) -> impl futures::Stream<Item = Result<axum::body::Bytes, String>> + '_ {
    let started = Instant::now();
    futures::stream::unfold(
        (field, 0u64, false),
        move |(mut field, received, ended)| async move {
            if ended {
                return None;
            }
            let chunk = match tokio::time::timeout(IDLE, field.chunk()).await {
                Err(_) => Err(format!("nothing arrived for {} seconds", IDLE.as_secs())),
                Ok(Err(e)) => Err(e.body_text()),
                Ok(Ok(None)) => return None,
                Ok(Ok(Some(chunk))) => Ok(chunk),
            };
            let received = received + chunk.as_ref().map_or(0, |c| c.len() as u64);
            let seconds = started.elapsed().as_secs();
            let chunk = match chunk {
                Ok(_) if seconds >= 30 && received < MIN_BYTES_PER_SECOND * seconds => Err(
                    format!("slower than {} a second", bytes(MIN_BYTES_PER_SECOND)),
                ),
                chunk => chunk,
            };
            let ended = chunk.is_err();
            Some((chunk, (field, received, ended)))
        },
    )
}

fn broke_off(e: axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge(e.body_text())
    } else {
        AppError::Request(format!("The upload broke off: {}", e.body_text()))
    }
}

fn refused(name: &str, e: PutError) -> AppError {
    match e {
        PutError::TooLarge(max) => AppError::TooLarge(format!(
            "{name} is larger than {}, the largest file allowed.",
            bytes(max)
        )),
        PutError::BrokenOff(why) => {
            AppError::Request(format!("The upload of {name} was cut off: {why}."))
        }
        PutError::DiskFull => AppError::StorageFull,
        PutError::Io(e) => {
            tracing::error!(error = %e, "storing an upload");
            AppError::Internal
        }
        PutError::Db(e) => e.into(),
    }
}
