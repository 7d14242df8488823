//! The named lists' shared writes, and the lists kept in memory for the ticket forms.

use super::Choice;
use crate::{
    base::db::{now_ms, per_database},
    error::AppError,
};
use sqlx::SqlitePool;
use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// Departments and request types are both admin-managed lists of unique names; these two
/// write helpers serve both. `table` is one of our own constants, never user input.
pub(crate) async fn insert_name(
    pool: &SqlitePool,
    table: &str,
    noun: &str,
    name: &str,
) -> Result<i64, AppError> {
    sqlx::query_scalar(&format!(
        "INSERT INTO {table} (name, created_at) VALUES (?, ?) RETURNING id"
    ))
    .bind(name)
    .bind(now_ms())
    .fetch_one(pool)
    .await
    .map_err(|e| name_taken(e, noun))
    .inspect(|_| lists_changed(pool))
}

pub(crate) async fn rename_name(
    pool: &SqlitePool,
    table: &str,
    noun: &str,
    id: i64,
    name: &str,
) -> Result<(), AppError> {
    let done = sqlx::query(&format!("UPDATE {table} SET name = ? WHERE id = ?"))
        .bind(name)
        .bind(id)
        .execute(pool)
        .await
        .map_err(|e| name_taken(e, noun))?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    lists_changed(pool);
    Ok(())
}

/// Both lists, sorted by name, for the ticket forms and filters: (request types, departments).
/// Every ticket page shows them and they change rarely, so they are kept in memory for up to
/// `KEEP_LISTS`; a change made through the app forgets them at once.
pub async fn choices(pool: &SqlitePool) -> Result<Choices, AppError> {
    let memory: Lists = per_database(pool);
    let generation = {
        let kept = memory.lock();
        if let Some((read_at, lists)) = &kept.lists
            && read_at.elapsed() < KEEP_LISTS
        {
            return Ok(lists.clone());
        }
        kept.generation
    };
    let (kinds, departments): (String, String) = sqlx::query_as(
        "SELECT (SELECT json_group_array(json_object('id', id, 'name', name) ORDER BY name)
                   FROM request_types),
                (SELECT json_group_array(json_object('id', id, 'name', name) ORDER BY name)
                   FROM departments)",
    )
    .fetch_one(pool)
    .await?;
    let read = |json: &str| {
        serde_json::from_str::<Vec<Choice>>(json).map_err(|e| {
            tracing::error!(error = %e, "the lists built as JSON did not read back");
            AppError::Internal
        })
    };
    let lists = (read(&kinds)?, read(&departments)?);
    let mut kept = memory.lock();
    // Changed while this read ran: the next caller reads again.
    if kept.generation == generation {
        kept.lists = Some((Instant::now(), lists.clone()));
    }
    Ok(lists)
}

/// Request types and departments, each sorted by name.
pub type Choices = (Vec<Choice>, Vec<Choice>);

/// Changes made by another process (the CLI, a restore) show within this long.
const KEEP_LISTS: Duration = Duration::from_secs(10);

/// Call after any change to the departments or request types.
pub(crate) fn lists_changed(pool: &SqlitePool) {
    let memory: Lists = per_database(pool);
    let mut kept = memory.lock();
    kept.generation += 1;
    kept.lists = None;
}

#[derive(Clone, Default)]
struct Lists(Arc<Mutex<KeptLists>>);

#[derive(Default)]
struct KeptLists {
    generation: u64,
    lists: Option<(Instant, Choices)>,
}

impl Lists {
    fn lock(&self) -> std::sync::MutexGuard<'_, KeptLists> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn name_taken(err: sqlx::Error, noun: &str) -> AppError {
    match err.as_database_error() {
        Some(db) if db.is_unique_violation() => {
            AppError::conflict("name", format!("A {noun} with that name already exists."))
        }
        _ => err.into(),
    }
}
