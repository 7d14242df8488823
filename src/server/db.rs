//! The SQLite pool: WAL so readers never wait for the writer, foreign keys on, and a busy
//! timeout so concurrent writers queue instead of failing.

use sqlx::{
    SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};
use std::{str::FromStr, time::Duration};

pub async fn connect(database_url: &str) -> Result<SqlitePool, sqlx::Error> {
    super::ops::make_database_folder(database_url).map_err(sqlx::Error::Configuration)?;
    // A bare path is accepted too: `helpdesk.db` means `sqlite://helpdesk.db`.
    let url = if database_url.starts_with("sqlite:") {
        database_url.to_string()
    } else {
        format!("sqlite://{database_url}")
    };
    let options = SqliteConnectOptions::from_str(&url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await?;
    sqlx::migrate!().run(&pool).await?;
    Ok(pool)
}

/// A transaction that takes the write lock up front. A deferred `BEGIN` that reads and then
/// writes fails at once with SQLITE_BUSY when another writer committed in between (the busy
/// timeout cannot help a stale read snapshot); `BEGIN IMMEDIATE` queues instead.
pub async fn begin_write(
    pool: &SqlitePool,
) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A fresh, migrated database in a temporary folder, for tests.
#[cfg(test)]
pub async fn test_pool() -> (SqlitePool, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let pool = connect(&url).await.expect("test database");
    (pool, dir)
}
