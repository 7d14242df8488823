//! Operator commands on the database file: check, backup, restore, and the lock that keeps
//! `restore` away from a database a server is using.

use super::router::BootError;
use crate::base::db::{Backend, Pool};
use crate::base::db::{Database, create_private_file, make_database_folder};
use crate::files::store::{CopyError, Store};
use sqlx::{ConnectOptions, Connection, SqliteConnection, sqlite::SqliteConnectOptions};
use std::{
    fs::File,
    path::{Path, PathBuf},
};

/// Takes the database's lock file for as long as the returned file is kept open.
pub fn hold_database(database: &Database) -> Result<Option<File>, BootError> {
    let Ok(path) = database.path() else {
        return Ok(None); // a database server: nothing on this disk to protect
    };
    make_database_folder(database)?;
    let lock_path = lock_path(path);
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| format!("cannot open {}: {e}", lock_path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Err(format!(
            "another helpdesk process is using {} (its lock {} is held)",
            path.display(),
            lock_path.display()
        )
        .into()),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(format!("cannot lock {}: {e}", lock_path.display()).into())
        }
    }
}

fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// How many migrations are applied, and the latest one's description.
pub async fn schema_version(pool: &Pool) -> Result<(i64, String), BootError> {
    Ok(sqlx::query_as(
        // The latest by version: MAX(description) was the alphabetically last one.
        "SELECT COUNT(*), COALESCE((SELECT description FROM _sqlx_migrations WHERE success
                                     ORDER BY version DESC LIMIT 1), '')
           FROM _sqlx_migrations WHERE success",
    )
    .fetch_one(pool)
    .await?)
}

/// `PRAGMA integrity_check` on a database file opened read-only.
async fn integrity(path: &Path) -> Result<Vec<String>, BootError> {
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await
        .map_err(|e| format!("{} is not a readable SQLite database: {e}", path.display()))?;
    let ours: Option<i64> = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('_sqlx_migrations', 'tickets')",
    )
    .fetch_optional(&mut conn)
    .await?;
    conn.close().await?;
    if ours != Some(2) {
        return Err(format!("{} is not a helpdesk database", path.display()).into());
    }
    Ok(rows)
}

/// Reports what the database holds and whether it is intact. Read-only: it never creates,
/// migrates or writes the file it checks.
pub async fn check(database: &Database, data_dir: &Path) -> Result<(), BootError> {
    if database.backend() == Backend::Postgres {
        check_server(database).await?;
        let pool = crate::base::db::open(database).await?;
        return check_attachments(pool, Backend::Postgres, data_dir).await;
    }
    let path = database.path()?;
    if !path.is_file() {
        return Err(format!("{} does not exist", path.display()).into());
    }
    let report = integrity(path).await?;
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await?;
    let counts: Counts = sqlx::query_as(COUNTS).fetch_one(&mut conn).await?;
    conn.close().await?;
    print_counts(&path.display().to_string(), counts);
    if report != ["ok"] {
        return Err(format!("integrity check failed: {}", report.join("; ")).into());
    }
    println!("integrity: ok");
    // Read only, and without the pragmas the server's connections set (a backup is not
    // in WAL mode, and `check` changes no database).
    sqlx::any::install_default_drivers();
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&format!("sqlite://{}?mode=ro", path.display()))
        .await?;
    check_attachments(pool, Backend::Sqlite, data_dir).await
}

/// Every attachment's bytes hashed against their name; what cut-off uploads left swept.
async fn check_attachments(pool: Pool, backend: Backend, data_dir: &Path) -> Result<(), BootError> {
    let store = Store::new(backend, data_dir);
    let report = store.check(&pool).await;
    pool.close().await;
    let report = report.map_err(|e| format!("attachments: {e}"))?;
    let place = if store.in_database() {
        "in the database".to_string()
    } else {
        format!("in {}", data_dir.join("attachments").display())
    };
    println!(
        "attachments: {} files {place}, {} missing, {} damaged, {} attached to nothing; \
         {} left by cut-off uploads swept, {} uploads in progress",
        report.files,
        report.missing.len(),
        report.damaged.len(),
        report.unused.len(),
        report.swept.len(),
        report.in_progress
    );
    for sha256 in &report.missing {
        println!("  missing: {sha256}");
    }
    for sha256 in &report.damaged {
        println!("  damaged (its bytes no longer match): {sha256}");
    }
    for path in &report.swept {
        println!("  swept: {}", path.display());
    }
    if report.is_clean() {
        Ok(())
    } else {
        Err("attachments: some are missing or damaged (listed above)".into())
    }
}

type Counts = (i64, i64, i64, i64, i64, i64);

/// What `check` counts, on either backend.
const COUNTS: &str = "SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM departments),
        (SELECT COUNT(*) FROM tickets), (SELECT COUNT(*) FROM ticket_comments),
        (SELECT COUNT(*) FROM ticket_events),
        (SELECT COUNT(*) FROM _sqlx_migrations WHERE success)";

fn print_counts(what: &str, c: Counts) {
    println!(
        "{what}: {} users, {} departments, {} tickets, {} comments, {} history entries; {} migrations",
        c.0, c.1, c.2, c.3, c.4, c.5
    );
}

/// `check` on PostgreSQL: what the database holds; its integrity is the server's own
/// business (checksums, `amcheck`), so none is claimed here. Never migrates.
async fn check_server(database: &Database) -> Result<(), BootError> {
    let pool = crate::base::db::open(database)
        .await
        .map_err(|e| format!("cannot reach {database}: {e}"))?;
    let counts: Counts = sqlx::query_as(COUNTS)
        .fetch_one(&pool)
        .await
        .map_err(|e| format!("{database} is not a helpdesk database: {e}"))?;
    pool.close().await;
    print_counts(&database.to_string(), counts);
    println!("integrity: kept by PostgreSQL (for a deeper check run its amcheck extension)");
    Ok(())
}

/// What `backup` and `restore` say for PostgreSQL: its own tools do it better (consistent
/// snapshots of a live database, compression, parallel restore).
fn use_pg_tools(database: &Database, what: &str) -> BootError {
    format!(
        "{what} works on the SQLite file; this helpdesk uses PostgreSQL ({database}). Use \
         PostgreSQL's own tools:\n  backup:  pg_dump --format=custom --file=helpdesk.dump \
         \"$DATABASE_URL\"\n  restore: stop the app servers, then pg_restore --clean \
         --if-exists --no-owner --dbname=\"$DATABASE_URL\" helpdesk.dump"
    )
    .into()
}

/// A consistent snapshot with `VACUUM INTO`: it reads inside one transaction, so writes that
/// commit meanwhile (WAL) neither block it nor tear it.
pub async fn backup(database: &Database, data_dir: &Path, to: &Path) -> Result<(), BootError> {
    if database.backend() == Backend::Postgres {
        return Err(use_pg_tools(database, "backup"));
    }
    let from = database.path()?;
    let files_to = attachments_beside(to);
    if files_to.exists() {
        return Err(format!("{} exists already; choose a new file", files_to.display()).into());
    }
    // VACUUM INTO fills an empty file it is given, keeping the file's mode.
    create_private_file(to).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => {
            format!("{} exists already; choose a new file", to.display())
        }
        _ => format!("cannot create {}: {e}", to.display()),
    })?;
    let mut conn = SqliteConnection::connect_with(
        &SqliteConnectOptions::new()
            .filename(from)
            .busy_timeout(std::time::Duration::from_secs(30)),
    )
    .await
    .map_err(|e| format!("cannot open {}: {e}", from.display()))?;
    sqlx::query("VACUUM INTO ?")
        .bind(to.to_string_lossy().as_ref())
        .execute(&mut conn)
        .await
        .map_err(|e| format!("backup to {} failed: {e}", to.display()))?;
    conn.close().await?;
    let report = integrity(to).await?;
    if report != ["ok"] {
        return Err(format!(
            "the backup failed its integrity check: {}",
            report.join("; ")
        )
        .into());
    }
    let size = std::fs::metadata(to)?.len();
    println!(
        "Backed up {} to {} ({size} bytes, integrity ok).",
        from.display(),
        to.display()
    );
    // The files the copy names, after it: a file never changes once its row is written,
    // so what the copy names is all there, as it was.
    let named = named_files(to).await?;
    if named.is_empty() {
        return Ok(());
    }
    let live = Store::new(Backend::Sqlite, data_dir);
    let copy = Store::in_folder(&files_to);
    let (copied, bytes, problems) =
        tokio::task::spawn_blocking(move || copy_files(&live, &copy, &named)).await??;
    println!(
        "Copied {copied} attachments ({bytes} bytes, each checked against its hash) to {}.",
        files_to.display()
    );
    if problems.is_empty() {
        Ok(())
    } else {
        for problem in &problems {
            println!("  {problem}");
        }
        Err(format!(
            "{} attachments could not be copied intact (listed above): the backup is written \
             without them; run `helpdesk check`",
            problems.len()
        )
        .into())
    }
}

/// Where a SQLite backup `FILE` keeps its attachments: the folder `FILE.attachments`,
/// laid out as the data folder's `attachments/`.
pub fn attachments_beside(backup: &Path) -> PathBuf {
    let mut name = backup.as_os_str().to_owned();
    name.push(".attachments");
    PathBuf::from(name)
}

/// The attachments a SQLite database file names: (sha256, size).
async fn named_files(path: &Path) -> Result<Vec<(String, u64)>, BootError> {
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await?;
    // A backup from before attachments has none.
    let has_table: Option<i32> = sqlx::query_scalar(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'attachment_blobs'",
    )
    .fetch_optional(&mut conn)
    .await?;
    let rows: Vec<(String, i64)> = if has_table.is_some() {
        sqlx::query_as("SELECT sha256, size FROM attachment_blobs ORDER BY sha256")
            .fetch_all(&mut conn)
            .await?
    } else {
        Vec::new()
    };
    conn.close().await?;
    Ok(rows
        .into_iter()
        .map(|(sha, size)| (sha, size as u64))
        .collect())
}

/// Copies `named` from `from` into `to`, each checked; (files copied, bytes, what failed).
fn copy_files(
    from: &Store,
    to: &Store,
    named: &[(String, u64)],
) -> std::io::Result<(usize, u64, Vec<String>)> {
    let (mut copied, mut bytes, mut problems) = (0, 0, Vec::new());
    for (sha256, size) in named {
        match from.copy_to(to, sha256, *size) {
            Ok(n) => {
                copied += 1;
                bytes += n;
            }
            Err(CopyError::Io(e)) if e.kind() == std::io::ErrorKind::StorageFull => {
                return Err(e);
            }
            Err(e) => problems.push(format!("{sha256}: {e}")),
        }
    }
    Ok((copied, bytes, problems))
}

/// Replaces the database with `from` once `from` passes the integrity check and no server
/// holds the database.
pub async fn restore(database: &Database, data_dir: &Path, from: &Path) -> Result<(), BootError> {
    if database.backend() == Backend::Postgres {
        return Err(use_pg_tools(database, "restore"));
    }
    let to = database.path()?;
    let report = integrity(from)
        .await
        .map_err(|e| format!("refusing to restore: {e}"))?;
    if report != ["ok"] {
        return Err(format!(
            "refusing to restore: {} fails its integrity check: {}",
            from.display(),
            report.join("; ")
        )
        .into());
    }
    let _held = hold_database(database)
        .map_err(|e| format!("refusing to restore: {e}; stop the server first"))?;
    // The backup's files first, beside those already here (the same name is the same
    // bytes): the database is replaced only once every file it names is in place.
    let named = named_files(from).await?;
    if !named.is_empty() {
        let files_from = attachments_beside(from);
        let copy = Store::in_folder(&files_from);
        let live = Store::new(Backend::Sqlite, data_dir);
        let (copied, bytes, problems) =
            tokio::task::spawn_blocking(move || copy_files(&copy, &live, &named)).await??;
        if !problems.is_empty() {
            for problem in &problems {
                println!("  {problem}");
            }
            return Err(format!(
                "refusing to restore: {} attachments the backup names are missing or damaged \
                 in {} (listed above); the database is untouched",
                problems.len(),
                files_from.display()
            )
            .into());
        }
        println!(
            "Restored {copied} attachments ({bytes} bytes copied, each checked against its hash) \
             into {}.",
            data_dir.join("attachments").display()
        );
    }
    // The copy is made and flushed to disk beside the database first: if that fails (a full
    // disk), the database is untouched. Only then does it take the database's place.
    let staged = to.with_extension("restoring");
    let _ = std::fs::remove_file(&staged);
    create_private_file(&staged)?;
    {
        let mut source = File::open(from)?;
        let mut copy = File::options().write(true).open(&staged)?;
        std::io::copy(&mut source, &mut copy)?;
        copy.sync_all()?;
    }
    // The old write-ahead log belongs to the old database: it must not be replayed into the
    // new one. Moved aside (not deleted) until the new file is in place.
    let side = |suffix: &str| {
        let mut name = to.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    for suffix in ["-wal", "-shm"] {
        if side(suffix).exists() {
            std::fs::rename(side(suffix), side(&format!("{suffix}.replaced")))?;
        }
    }
    std::fs::rename(&staged, to)?;
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        File::open(dir)?.sync_all()?;
    }
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(side(&format!("{suffix}.replaced")));
    }
    println!("Restored {} from {}.", to.display(), from.display());
    Ok(())
}
