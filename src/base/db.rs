//! The SQLite pool: WAL so readers never wait for the writer, foreign keys on, and a busy
//! timeout so concurrent writers queue instead of failing.

use sqlx::{
    SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};
use std::{
    fs::File,
    path::{Path, PathBuf},
    str::FromStr,
    time::Duration,
};

/// What the database-location helpers fail with (a message for the operator).
pub type BootError = Box<dyn std::error::Error + Send + Sync>;

/// Where the database is: a SQLite file (or, for tests, memory), read once from the
/// `database_url` setting (`sqlite://PATH`, `sqlite:PATH` or a bare path; query options
/// such as `?mode=ro` are kept for the connection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Database {
    url: String,
    file: Option<PathBuf>,
}

impl Database {
    /// The database file of a data folder.
    pub fn in_folder(dir: &str) -> Database {
        Database::file(&Path::new(dir).join(DATABASE_FILE))
    }

    pub fn file(path: &Path) -> Database {
        Database {
            url: format!("sqlite://{}", path.display()),
            file: Some(path.to_path_buf()),
        }
    }

    /// The file, or an error for an in-memory database (nothing on disk to check or copy).
    pub fn path(&self) -> Result<&Path, BootError> {
        self.file
            .as_deref()
            .ok_or_else(|| format!("{} is not a database file", self.url).into())
    }

    /// The connection options every pool and command uses.
    pub fn connect_options(&self) -> Result<SqliteConnectOptions, sqlx::Error> {
        Ok(SqliteConnectOptions::from_str(&self.url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5)))
    }
}

impl FromStr for Database {
    type Err = String;

    fn from_str(text: &str) -> Result<Database, String> {
        // A URL for another database server is an error, not a file name (`postgres://x`
        // made a folder named `postgres:`).
        if let Some((scheme, _)) = text.split_once("://")
            && scheme != "sqlite"
        {
            return Err(format!(
                "{scheme}://… is not supported: this helpdesk stores its data in SQLite \
                 (sqlite://PATH, or a bare file path)"
            ));
        }
        let rest = text
            .strip_prefix("sqlite://")
            .or_else(|| text.strip_prefix("sqlite:"))
            .unwrap_or(text);
        let path = rest.split('?').next().unwrap_or("");
        let file = match path {
            "" | ":memory:" => None,
            path => Some(PathBuf::from(path)),
        };
        Ok(Database {
            url: format!("sqlite://{rest}"),
            file,
        })
    }
}

impl std::fmt::Display for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.url)
    }
}

/// The database file inside the data folder, unless `database_url` says otherwise.
pub const DATABASE_FILE: &str = "helpdesk.db";

/// Opens the database (creating its folder and file, private to their owner, on first use)
/// and applies the migrations.
pub async fn connect(database: &Database) -> Result<SqlitePool, sqlx::Error> {
    make_database_folder(database).map_err(sqlx::Error::Configuration)?;
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(database.connect_options()?)
        .await?;
    sqlx::migrate!().run(&pool).await?;
    Ok(pool)
}

/// A write transaction: this process's writers to one database queue in turn (an async
/// lock), then take SQLite's write lock up front.
///
/// `BEGIN IMMEDIATE`: a deferred `BEGIN` that reads and then writes fails at once with
/// SQLITE_BUSY when another writer committed in between. The queue in front: SQLite's busy
/// handler waits for the lock by sleeping in steps of up to 100 ms, so under 16 concurrent
/// writers a write waited for a sleeping neighbour rather than for the lock (bench: 969
/// comments/s, p99 611 ms); a queued writer is woken the moment the one before it is done.
pub async fn begin_write(pool: &SqlitePool) -> Result<WriteTx, sqlx::Error> {
    let queue: std::sync::Arc<tokio::sync::Mutex<()>> = per_database(pool);
    let turn = queue.lock_owned().await;
    let tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    Ok(WriteTx {
        tx,
        _turn: turn,
        writes: per_database(pool),
    })
}

/// How many write transactions this process has committed to the database behind `pool`:
/// what is worked out from the data and kept (the dashboard) is current while this stays.
pub fn writes(pool: &SqlitePool) -> u64 {
    per_database::<Writes>(pool)
        .0
        .load(std::sync::atomic::Ordering::Acquire)
}

#[derive(Clone, Default)]
struct Writes(std::sync::Arc<std::sync::atomic::AtomicU64>);

/// This process's one `T` for the database behind `pool`, made on first use. Keyed by the
/// database file, not held in the app's state: tests open many databases in one process,
/// and the code that needs it (a writer's queue, a cache) has the pool at hand.
pub fn per_database<T: Clone + Default + Send + 'static>(pool: &SqlitePool) -> T {
    use std::{
        any::{Any, TypeId},
        collections::HashMap,
        path::PathBuf,
        sync::{LazyLock, Mutex},
    };
    type Registry = HashMap<(TypeId, PathBuf), Box<dyn Any + Send>>;
    static ONES: LazyLock<Mutex<Registry>> = LazyLock::new(Default::default);
    let key = (
        TypeId::of::<T>(),
        pool.connect_options().get_filename().to_path_buf(),
    );
    let mut ones = ONES.lock().unwrap_or_else(|e| e.into_inner());
    let one = ones.entry(key).or_insert_with(|| Box::new(T::default()));
    match one.downcast_ref::<T>() {
        Some(one) => one.clone(),
        // Unreachable: the key holds T's TypeId.
        None => T::default(),
    }
}

/// A write transaction and its turn in the writers' queue (released when it ends).
pub struct WriteTx {
    tx: sqlx::Transaction<'static, sqlx::Sqlite>,
    _turn: tokio::sync::OwnedMutexGuard<()>,
    writes: Writes,
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await?;
        self.writes
            .0
            .fetch_add(1, std::sync::atomic::Ordering::Release);
        Ok(())
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::SqliteConnection;

    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

/// Creates an empty file only its owner may read and write (the database and its backups
/// hold password hashes and sessions); SQLite gives its -wal and -shm files the same mode.
pub fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = File::options();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop)
}

/// Creates the folder the database file goes in (the data directory on a first run).
pub fn make_database_folder(database: &Database) -> Result<(), BootError> {
    let Ok(path) = database.path() else {
        return Ok(()); // in-memory
    };
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create the data folder {}: {e}", dir.display()))?
        }
        _ => {}
    }
    if !path.exists() {
        create_private_file(path)
            .or_else(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => Ok(()),
                _ => Err(e),
            })
            .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    }
    Ok(())
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
    let pool = connect(&Database::file(&dir.path().join("test.db")))
        .await
        .expect("test database");
    (pool, dir)
}
