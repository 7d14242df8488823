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

/// How many files one person may start uploading in a minute.
pub const UPLOADS_PER_MINUTE: usize = 30;

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
    recent: Arc<Mutex<HashMap<i64, VecDeque<Instant>>>>,
}

impl Files {
    pub fn new(store: Store, limits: Limits) -> Files {
        Files {
            store,
            limits,
            recent: Arc::default(),
        }
    }

    /// One more upload by `user`, unless they started `UPLOADS_PER_MINUTE` in the last
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
        if started.len() >= UPLOADS_PER_MINUTE {
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
        let name = clean_name(field.file_name().unwrap_or(""));
        if uploaded.len() as u64 >= files.limits.per_comment {
            return Err(AppError::TooLarge(format!(
                "{name}: at most {} files go on one comment.",
                files.limits.per_comment
            )));
        }
        files
            .take_turn(user_id)
            .map_err(AppError::TooManyAttempts)?;
        let stored = files
            .store
            .put(pool, Box::pin(paced(field)), files.limits.file)
            .await
            .map_err(|e| refused(&name, e))?;
        let token = db::stage(pool, user_id, &stored, &name).await?;
        uploaded.push(Uploaded {
            token,
            name,
            size: stored.size,
            content_type: stored.content_type.to_string(),
        });
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
