//! The database pool, on either backend: SQLite (WAL so readers never wait for the writer,
//! foreign keys on, a busy timeout so concurrent writers queue instead of failing) or
//! PostgreSQL. Features write one query for both through sqlx's `Any` driver; where the
//! dialects differ they ask the pool's `Backend`.

use sqlx::{
    Executor,
    any::{AnyArguments, AnyPoolOptions},
};
use std::{
    fs::File,
    path::{Path, PathBuf},
    str::FromStr,
};

/// A pool of connections to the database, whichever backend it is.
pub type Pool = sqlx::AnyPool;
/// One connection (inside a transaction, usually).
pub type Conn = sqlx::AnyConnection;

/// Which database server stands behind a pool or connection: the only thing a query asks
/// when its SQL text differs between the two dialects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of(pool: &Pool) -> Backend {
        Backend::of_url(pool.connect_options().database_url.as_str())
    }

    pub fn of_conn(conn: &Conn) -> Backend {
        match conn.backend_name() {
            "PostgreSQL" => Backend::Postgres,
            _ => Backend::Sqlite,
        }
    }

    /// The rows of `item`, in `order` (`ORDER BY …` or empty), as one JSON array in text:
    /// `[]` when there are none. `item` is a call of a JSON function (`json_array`, …), not
    /// a column holding JSON: SQLite keeps JSON as text and knows it for JSON only as the
    /// value of such a call (a column's would be quoted as a string; wrapping it in json()
    /// parses every row again: 5 % of a list's instructions, measured).
    pub fn json_list(self, item: &str, order: &str) -> String {
        match self {
            Backend::Sqlite => format!("json_group_array({item} {order})"),
            Backend::Postgres => format!("COALESCE(json_agg({item} {order}), '[]')::text"),
        }
    }

    /// The function that makes a JSON array of its arguments.
    pub fn json_array(self) -> &'static str {
        match self {
            Backend::Sqlite => "json_array",
            Backend::Postgres => "json_build_array",
        }
    }

    /// The function that makes a JSON object of its name, value arguments.
    pub fn json_object(self) -> &'static str {
        match self {
            Backend::Sqlite => "json_object",
            Backend::Postgres => "json_build_object",
        }
    }

    /// The elements of the JSON array `param` (a bound text) as rows `j` of `j.key` (the
    /// order) and `j.value`, whose `j.value ->> i` is read with a CAST where not text.
    pub fn json_rows(self, param: &str) -> String {
        match self {
            Backend::Sqlite => format!("json_each({param}) j"),
            Backend::Postgres => format!(
                "json_array_elements(CAST({param} AS json)) WITH ORDINALITY AS j(value, key)"
            ),
        }
    }

    /// A join that keeps the order it is written in: SQLite never reorders a CROSS JOIN
    /// (its planner otherwise started lists from a small table and sorted every ticket);
    /// PostgreSQL has no such hint and plans these joins well.
    pub fn ordered_join(self) -> &'static str {
        match self {
            Backend::Sqlite => "CROSS JOIN",
            Backend::Postgres => "JOIN",
        }
    }

    fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// What the database-location helpers fail with (a message for the operator).
pub type BootError = Box<dyn std::error::Error + Send + Sync>;

/// Where the database is, read once from the `database_url` setting: a SQLite file
/// (`sqlite://PATH`, `sqlite:PATH` or a bare path; query options such as `?mode=ro` are
/// kept for the connection) or a PostgreSQL server (`postgres://…`, `postgresql://…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Database {
    /// `sqlite://PATH[?PARAMS]` or the PostgreSQL URL as given.
    url: String,
    /// The SQLite file.
    file: Option<PathBuf>,
    /// SQLite's query options (`mode=ro`), without the `?`.
    params: String,
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
            params: String::new(),
        }
    }

    pub fn backend(&self) -> Backend {
        Backend::of_url(&self.url)
    }

    /// The URL as given, password and all (`Display` hides the password).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The SQLite file, or an error for a database server (nothing on this disk to check
    /// or copy).
    pub fn path(&self) -> Result<&Path, BootError> {
        self.file
            .as_deref()
            .ok_or_else(|| format!("{self} is not a database file").into())
    }

    /// The URL the `Any` driver opens. A SQLite path goes after `sqlite:` without `//`:
    /// as a URL's host, its first folder would be lower-cased.
    fn url_to_open(&self) -> String {
        match &self.file {
            Some(path) => {
                let mut url = String::from("sqlite:");
                for c in path.to_string_lossy().chars() {
                    match c {
                        '%' | '?' | '#' => url.push_str(&format!("%{:02X}", c as u32)),
                        c => url.push(c),
                    }
                }
                if !self.params.is_empty() {
                    url.push('?');
                    url.push_str(&self.params);
                }
                url
            }
            None => self.url.clone(),
        }
    }
}

impl FromStr for Database {
    type Err = String;

    fn from_str(text: &str) -> Result<Database, String> {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Ok(Database {
                url: text.to_string(),
                file: None,
                params: String::new(),
            });
        }
        // A URL for another database server is an error, not a file name (`mysql://x`
        // would make a folder named `mysql:`).
        if let Some((scheme, _)) = text.split_once("://")
            && scheme != "sqlite"
        {
            return Err(format!(
                "{scheme}://… is not supported: use sqlite://PATH (or a bare file path) \
                 or postgres://USER:PASSWORD@HOST/DATABASE"
            ));
        }
        let rest = text
            .strip_prefix("sqlite://")
            .or_else(|| text.strip_prefix("sqlite:"))
            .unwrap_or(text);
        let (path, params) = rest.split_once('?').unwrap_or((rest, ""));
        if path.is_empty() || path == ":memory:" {
            return Err(format!(
                "{text} names no file: the helpdesk keeps its data in a SQLite file \
                 (sqlite://PATH)"
            ));
        }
        Ok(Database {
            url: format!("sqlite://{rest}"),
            file: Some(PathBuf::from(path)),
            params: params.to_string(),
        })
    }
}

/// The URL with any password hidden (it is shown by `helpdesk config` and in logs).
impl std::fmt::Display for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some((scheme, rest)) = self.url.split_once("://")
            && let Some((credentials, host)) = rest.split_once('@')
            && let Some((user, _password)) = credentials.split_once(':')
        {
            return write!(f, "{scheme}://{user}:***@{host}");
        }
        f.write_str(&self.url)
    }
}

/// The database file inside the data folder, unless `database_url` says otherwise.
pub const DATABASE_FILE: &str = "helpdesk.db";

/// Opens the database (creating its folder and file, private to their owner, on first use)
/// and applies the migrations.
pub async fn connect(database: &Database) -> Result<Pool, sqlx::Error> {
    let pool = open(database).await?;
    migrator(database.backend()).run(&pool).await?;
    Ok(pool)
}

/// The migrations this binary carries for a backend (a folder each: the schema is the one
/// place where the two dialects differ throughout).
pub fn migrator(backend: Backend) -> &'static sqlx::migrate::Migrator {
    static SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
    static POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");
    match backend {
        Backend::Sqlite => &SQLITE,
        Backend::Postgres => &POSTGRES,
    }
}

/// Opens the database without touching its schema.
pub async fn open(database: &Database) -> Result<Pool, sqlx::Error> {
    sqlx::any::install_default_drivers();
    make_database_folder(database).map_err(sqlx::Error::Configuration)?;
    AnyPoolOptions::new()
        .max_connections(8)
        .after_connect(|conn, _| {
            Box::pin(async move {
                // What SqliteConnectOptions would set; the Any driver takes a URL only.
                match Backend::of_conn(conn) {
                    Backend::Sqlite => {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
                        )
                        .await?;
                    }
                    // Every statement here is short. JIT compiling one the planner thinks
                    // costly took 10-80 ms, more than running it; parallel workers took
                    // 5-50 ms to start, even for a scan a one-time filter then skipped
                    // (search at 1,000,000 tickets, EXPLAIN ANALYZE).
                    Backend::Postgres => {
                        conn.execute("SET jit = off; SET max_parallel_workers_per_gather = 0")
                            .await?;
                    }
                }
                Ok(())
            })
        })
        .connect(&database.url_to_open())
        .await
}

/// A write transaction: this process's writers to one database queue in turn (an async
/// lock), then take SQLite's write lock up front.
///
/// `BEGIN IMMEDIATE`: a deferred `BEGIN` that reads and then writes fails at once with
/// SQLITE_BUSY when another writer committed in between. The queue in front: SQLite's busy
/// handler waits for the lock by sleeping in steps of up to 100 ms, so under 16 concurrent
/// writers a write waited for a sleeping neighbour rather than for the lock (bench: 969
/// comments/s, p99 611 ms); a queued writer is woken the moment the one before it is done.
///
/// On PostgreSQL, every write transaction of every app server takes one transaction-level
/// advisory lock first: writers take turns as SQLite's do, so every rule that reads and
/// then writes (the last admin, a status change and its history row, the list checks)
/// holds across servers without a rule of its own. Reads never wait for it.
pub async fn begin_write(pool: &Pool) -> Result<WriteTx, sqlx::Error> {
    match Backend::of(pool) {
        Backend::Sqlite => {
            let queue: std::sync::Arc<tokio::sync::Mutex<()>> = per_database(pool);
            let turn = queue.lock_owned().await;
            let tx = pool.begin_with("BEGIN IMMEDIATE").await?;
            Ok(WriteTx {
                tx,
                _turn: Some(turn),
                writes: per_database(pool),
            })
        }
        Backend::Postgres => {
            let mut tx = pool.begin().await?;
            sqlx::query("SELECT 1 FROM pg_advisory_xact_lock($1)")
                .bind(WRITERS_LOCK)
                .execute(&mut *tx)
                .await?;
            Ok(WriteTx {
                tx,
                _turn: None,
                writes: per_database(pool),
            })
        }
    }
}

/// The advisory lock writers take turns on (PostgreSQL): any number, the same everywhere.
const WRITERS_LOCK: i64 = 0x68656c70; // "help"

/// How many write transactions this process has committed to the database behind `pool`:
/// what is worked out from the data and kept (the dashboard) is current while this stays.
pub fn writes(pool: &Pool) -> u64 {
    per_database::<Writes>(pool)
        .0
        .load(std::sync::atomic::Ordering::Acquire)
}

#[derive(Clone, Default)]
struct Writes(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl Writes {
    fn bump(&self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Release);
    }
}

/// This process's one `T` for the database behind `pool`, made on first use. Keyed by the
/// database file, not held in the app's state: tests open many databases in one process,
/// and the code that needs it (a writer's queue, a cache) has the pool at hand.
pub fn per_database<T: Clone + Default + Send + 'static>(pool: &Pool) -> T {
    use std::{
        any::{Any, TypeId},
        collections::HashMap,
        sync::{LazyLock, Mutex},
    };
    type Registry = HashMap<(TypeId, String), Box<dyn Any + Send>>;
    static ONES: LazyLock<Mutex<Registry>> = LazyLock::new(Default::default);
    let key = (TypeId::of::<T>(), key(pool));
    let mut ones = ONES.lock().unwrap_or_else(|e| e.into_inner());
    let one = ones.entry(key).or_insert_with(|| Box::new(T::default()));
    match one.downcast_ref::<T>() {
        Some(one) => one.clone(),
        // Unreachable: the key holds T's TypeId.
        None => T::default(),
    }
}

/// Which database a pool opens: its server and database, or its file (without options).
pub fn key(pool: &Pool) -> String {
    let url = &pool.connect_options().database_url;
    format!("{}{}", url.authority(), url.path())
}

/// Whether `text` could be a stored value. PostgreSQL's text holds no NUL (and refuses a
/// statement that binds one); SQLite's could, but every write refuses control characters.
/// So a lookup for such a key finds nothing, on both backends, without asking.
pub fn storable(text: &str) -> bool {
    !text.contains('\0')
}

/// A yes/no column: PostgreSQL answers a condition with a boolean, SQLite with 0 or 1.
/// Read with `#[sqlx(try_from = "Flag")]` on a `bool` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag(pub bool);

impl From<Flag> for bool {
    fn from(flag: Flag) -> bool {
        flag.0
    }
}

impl sqlx::Type<sqlx::Any> for Flag {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <bool as sqlx::Type<sqlx::Any>>::type_info()
    }

    fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
        <bool as sqlx::Type<sqlx::Any>>::compatible(ty)
            || <i64 as sqlx::Type<sqlx::Any>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Any> for Flag {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Flag, sqlx::error::BoxDynError> {
        use sqlx::ValueRef;
        if <bool as sqlx::Type<sqlx::Any>>::compatible(&value.type_info()) {
            Ok(Flag(<bool as sqlx::Decode<sqlx::Any>>::decode(value)?))
        } else {
            Ok(Flag(<i64 as sqlx::Decode<sqlx::Any>>::decode(value)? != 0))
        }
    }
}

/// A write transaction and its turn in the writers' queue (released when it ends).
pub struct WriteTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
    writes: Writes,
}

impl WriteTx {
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        // Other servers count it too (a signal delivered with the commit).
        if Backend::of_conn(&self.tx) == Backend::Postgres {
            notify(&mut *self.tx, WRITES_SIGNAL, "").await?;
        }
        self.tx.commit().await?;
        self.writes.bump();
        Ok(())
    }
}

/// The PostgreSQL channel signals travel on (`base::signal`).
pub const SIGNAL_CHANNEL: &str = "helpdesk";

/// Sends a signal (PostgreSQL); inside a transaction it is delivered when that commits.
pub async fn notify<'c>(
    conn: impl sqlx::Executor<'c, Database = sqlx::Any>,
    topic: &str,
    payload: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1 FROM pg_notify($1, $2)")
        .bind(SIGNAL_CHANNEL)
        .bind(format!("{topic} {payload}"))
        .execute(conn)
        .await
        .map(drop)
}

/// The signal of a committed write transaction.
pub const WRITES_SIGNAL: &str = "writes";

/// Counts a write another server committed (`WRITES_SIGNAL`), or a lost connection after
/// which any number may have been.
pub fn wrote_elsewhere(pool: &Pool) {
    per_database::<Writes>(pool).bump();
}

impl std::ops::Deref for WriteTx {
    type Target = Conn;

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
        + CLOCK_AHEAD.load(std::sync::atomic::Ordering::Relaxed)
}

/// How far the clock was moved forward (`--test-clock` only): zero in production.
static CLOCK_AHEAD: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

/// Moves `now_ms` forward by `ms`, for browser tests of due times (`--test-clock`).
pub fn advance_clock(ms: i64) {
    CLOCK_AHEAD.fetch_add(ms, std::sync::atomic::Ordering::Relaxed);
}

/// The variable that runs the tests on PostgreSQL: a server's URL (`make test` starts a
/// throwaway one). Each test then gets a database of its own there.
pub const TEST_POSTGRES_ENV: &str = "HELPDESK_TEST_POSTGRES";

/// For tests: a new, empty database of its own on the PostgreSQL server named by
/// `TEST_POSTGRES_ENV`; none when that is not set.
pub async fn test_database() -> Result<Option<Database>, BootError> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let Ok(server) = std::env::var(TEST_POSTGRES_ENV) else {
        return Ok(None);
    };
    let server: Database = server
        .parse()
        .map_err(|e| format!("{TEST_POSTGRES_ENV}: {e}"))?;
    if server.backend() != Backend::Postgres {
        return Err(format!("{TEST_POSTGRES_ENV} names no PostgreSQL server").into());
    }
    let name = format!(
        "hd_test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let admin = open(&server).await?;
    let made = sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await;
    admin.close().await;
    made?;
    Ok(Some(server.with_database(&name)))
}

impl Database {
    /// The same PostgreSQL server with another database.
    fn with_database(&self, name: &str) -> Database {
        let (base, params) = self.url.split_once('?').unwrap_or((&self.url, ""));
        let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
        let params = if params.is_empty() {
            String::new()
        } else {
            format!("?{params}")
        };
        Database {
            url: format!("{server}/{name}{params}"),
            file: None,
            params: String::new(),
        }
    }
}

/// A fresh, migrated database for tests: a file in a temporary folder, or with
/// `TEST_POSTGRES_ENV` a database of its own on that server.
#[cfg(test)]
pub async fn test_pool() -> (Pool, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = match test_database().await.expect("the test PostgreSQL server") {
        Some(database) => database,
        None => Database::file(&dir.path().join("test.db")),
    };
    let pool = connect(&database).await.expect("test database");
    (pool, dir)
}

/// A fresh, migrated SQLite file whatever the tests run on, for what only SQLite has
/// (its query plans).
#[cfg(test)]
pub async fn sqlite_test_pool() -> (Pool, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let pool = connect(&Database::file(&dir.path().join("test.db")))
        .await
        .expect("test database");
    (pool, dir)
}

/// A statement put together from pieces, its values bound as `$1`, `$2`, …: the placeholders
/// both SQLite and PostgreSQL read (sqlx's `QueryBuilder` writes `?` for `Any`, which
/// PostgreSQL refuses).
pub struct Sql<'a> {
    text: String,
    args: Option<AnyArguments<'a>>,
    binds: usize,
}

impl<'a> Sql<'a> {
    pub fn new(text: impl Into<String>) -> Sql<'a> {
        Sql {
            text: text.into(),
            args: Some(AnyArguments::default()),
            binds: 0,
        }
    }

    pub fn push(&mut self, text: impl std::fmt::Display) -> &mut Self {
        use std::fmt::Write;
        let _ = write!(self.text, "{text}");
        self
    }

    pub fn push_bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'a + sqlx::Encode<'a, sqlx::Any> + sqlx::Type<sqlx::Any>,
    {
        let placeholder = self.bind(value);
        self.push(placeholder)
    }

    /// Binds `value` and returns its placeholder, to be written where it belongs.
    pub fn bind<T>(&mut self, value: T) -> String
    where
        T: 'a + sqlx::Encode<'a, sqlx::Any> + sqlx::Type<sqlx::Any>,
    {
        use sqlx::Arguments;
        if let Some(args) = self.args.as_mut() {
            // Encoding into the Any driver's buffer only copies the value: it cannot fail
            // for the plain types bound here, and an error would surface at execution.
            let _ = args.add(value);
        }
        self.binds += 1;
        format!("${}", self.binds)
    }

    /// Binds each of `values`, separated by `separator` (an `IN (…)` list).
    pub fn push_binds<T, I>(&mut self, values: I, separator: &str) -> &mut Self
    where
        I: IntoIterator<Item = T>,
        T: 'a + sqlx::Encode<'a, sqlx::Any> + sqlx::Type<sqlx::Any>,
    {
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(separator);
            }
            self.push_bind(value);
        }
        self
    }

    pub fn sql(&self) -> &str {
        &self.text
    }

    pub fn build(&mut self) -> sqlx::query::Query<'_, sqlx::Any, AnyArguments<'_>> {
        sqlx::query_with(&self.text, self.args.take().unwrap_or_default())
    }

    pub fn build_query_as<T>(&mut self) -> sqlx::query::QueryAs<'_, sqlx::Any, T, AnyArguments<'_>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        sqlx::query_as_with(&self.text, self.args.take().unwrap_or_default())
    }

    pub fn build_query_scalar<T>(
        &mut self,
    ) -> sqlx::query::QueryScalar<'_, sqlx::Any, T, AnyArguments<'_>>
    where
        (T,): for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        sqlx::query_scalar_with(&self.text, self.args.take().unwrap_or_default())
    }
}
