//! Where attachments' bytes live (issue 24): content-addressed by their SHA-256, so a file
//! attached twice is stored once. Two stores behind one type:
//! - a folder, `DATA_DIR/attachments/ab/cd/<sha256>` (SQLite: one machine, one data
//!   folder): each upload streamed into a temporary file in that folder's `tmp/`, fsynced,
//!   renamed into place, the folder fsynced;
//! - the database (PostgreSQL: any number of app servers, each seeing every file): the
//!   same temporary file, then copied in 1 MiB chunks into `attachment_chunks` in one
//!   transaction.
//!
//! Either way memory stays bounded (one chunk at a time) and the bytes are durable before
//! the `attachment_blobs` row that names them commits. A crash in between leaves bytes no
//! row names (a temporary file, or a file in place without its row): `check` sweeps them.

use crate::base::db::{Backend, Pool, begin_write, now_ms};
use axum::body::Bytes;
use futures::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use std::{
    io::ErrorKind,
    ops::Range,
    path::{Path, PathBuf},
};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

/// The size of PostgreSQL's chunks, and of each read from either store.
pub const CHUNK: u64 = 1 << 20;

/// How many first bytes decide a file's type.
const SNIFF: usize = 8192;

/// Why `copy_to` did not copy a file.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("missing")]
    Missing,
    #[error("damaged (its bytes no longer match its name)")]
    Damaged,
    #[error("{0}")]
    Io(std::io::Error),
}

/// What a finished upload stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// Lower-case hex.
    pub sha256: String,
    pub size: u64,
    /// Decided from the content; `application/octet-stream` when nothing is recognised.
    pub content_type: &'static str,
}

/// Why an upload was not stored (nothing of it is kept).
#[derive(Debug, thiserror::Error)]
pub enum PutError {
    #[error("it is larger than {} (the largest file allowed)", crate::text::bytes(*.0))]
    TooLarge(u64),
    #[error("the upload broke off before its end")]
    BrokenOff(String),
    #[error("the server's disk is full")]
    DiskFull,
    #[error("the file could not be stored: {0}")]
    Io(std::io::Error),
    #[error("the file could not be stored: {0}")]
    Db(#[from] sqlx::Error),
}

impl From<std::io::Error> for PutError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == ErrorKind::StorageFull {
            PutError::DiskFull
        } else {
            PutError::Io(e)
        }
    }
}

/// The type of a file from its first bytes (the `infer` crate's magic numbers), never from
/// its name or what the browser said.
pub fn sniff(head: &[u8]) -> &'static str {
    infer::get(head).map_or("application/octet-stream", |t| t.mime_type())
}

/// Where this server keeps attachments' bytes.
#[derive(Debug, Clone)]
pub struct Store {
    /// `DATA_DIR/attachments`: the files (SQLite), and `tmp/` for uploads in progress
    /// (both stores).
    folder: PathBuf,
    in_database: bool,
}

/// A temporary file that is removed unless it was moved into place.
struct Temp {
    path: PathBuf,
    moved: bool,
}

impl Drop for Temp {
    fn drop(&mut self) {
        if !self.moved {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl Store {
    /// The folder store for SQLite, the database store for PostgreSQL.
    pub fn new(backend: Backend, data_dir: &Path) -> Store {
        Store {
            folder: data_dir.join("attachments"),
            in_database: backend == Backend::Postgres,
        }
    }

    /// A folder store kept somewhere else: a backup's `FILE.attachments`.
    pub fn in_folder(folder: &Path) -> Store {
        Store {
            folder: folder.to_path_buf(),
            in_database: false,
        }
    }

    /// Copies the file `sha256` of `size` bytes from this folder store into `to`, checking
    /// its bytes against their name on the way (a damaged file is not spread to another
    /// place); a file already in `to` is left as it is. Written as uploads are: a private
    /// temporary file, fsynced, renamed, its folder fsynced. Blocking. The bytes copied.
    pub fn copy_to(&self, to: &Store, sha256: &str, size: u64) -> Result<u64, CopyError> {
        use std::io::{Read, Write};
        let target = to.path_of(sha256);
        if target.is_file() {
            return Ok(0);
        }
        let mut source = match std::fs::File::open(self.path_of(sha256)) {
            Ok(file) => file,
            Err(e) if e.kind() == ErrorKind::NotFound => return Err(CopyError::Missing),
            Err(e) => return Err(CopyError::Io(e)),
        };
        let folder = to.folder_of(sha256);
        std::fs::create_dir_all(&folder).map_err(CopyError::Io)?;
        let temp = folder.join(format!(".copy-{:016x}", fastrand::u64(..)));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut copy = options.open(&temp).map_err(CopyError::Io)?;
        let mut temp = Temp {
            path: temp,
            moved: false,
        };
        let mut hasher = Sha256::new();
        let mut buffer = vec![0u8; 64 * 1024];
        let mut copied = 0u64;
        loop {
            let n = source.read(&mut buffer).map_err(CopyError::Io)?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
            copy.write_all(&buffer[..n]).map_err(CopyError::Io)?;
            copied += n as u64;
        }
        if copied != size || hex(&hasher.finalize()) != sha256 {
            return Err(CopyError::Damaged);
        }
        copy.sync_all().map_err(CopyError::Io)?;
        std::fs::rename(&temp.path, &target).map_err(CopyError::Io)?;
        temp.moved = true;
        std::fs::File::open(&folder)
            .and_then(|f| f.sync_all())
            .map_err(CopyError::Io)?;
        Ok(copied)
    }

    pub fn in_database(&self) -> bool {
        self.in_database
    }

    /// Where uploads in progress are written.
    pub fn staging(&self) -> PathBuf {
        self.folder.join("tmp")
    }

    /// Where the folder store keeps a file: two levels of folders by its first four hex
    /// digits, so no folder holds more than a few hundred thousand files at a billion.
    pub fn path_of(&self, sha256: &str) -> PathBuf {
        self.folder_of(sha256).join(sha256)
    }

    /// The folder of `path_of` (a name too short for one is kept at the top).
    fn folder_of(&self, sha256: &str) -> PathBuf {
        match (sha256.get(0..2), sha256.get(2..4)) {
            (Some(a), Some(b)) => self.folder.join(a).join(b),
            _ => self.folder.clone(),
        }
    }

    /// Streams `body` into the store, hashing and counting as it goes; more than `max`
    /// bytes is refused at once. Stores nothing unless the whole body arrived; a file
    /// already stored is not stored again.
    pub async fn put<S, E>(&self, pool: &Pool, mut body: S, max: u64) -> Result<Stored, PutError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let staging = self.staging();
        tokio::fs::create_dir_all(&staging).await?;
        let (mut file, temp) = create_temp(&staging).await?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut head = Vec::with_capacity(SNIFF);
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| PutError::BrokenOff(e.to_string()))?;
            size += chunk.len() as u64;
            if size > max {
                return Err(PutError::TooLarge(max));
            }
            let room = SNIFF - head.len();
            head.extend_from_slice(&chunk[..chunk.len().min(room)]);
            hasher.update(&chunk);
            file.write_all(&chunk).await?;
        }
        file.sync_all().await?;
        drop(file);
        let stored = Stored {
            sha256: hex(&hasher.finalize()),
            size,
            content_type: sniff(&head),
        };
        if self.in_database {
            self.copy_into_database(pool, &temp, &stored).await?;
        } else {
            self.move_into_place(pool, temp, &stored).await?;
        }
        Ok(stored)
    }

    async fn move_into_place(
        &self,
        pool: &Pool,
        mut temp: Temp,
        stored: &Stored,
    ) -> Result<(), PutError> {
        let target = self.path_of(&stored.sha256);
        let folder = self.folder_of(&stored.sha256);
        // Already there (the same bytes attached before): the temporary file goes.
        // Its time is renewed, so `check` does not take it for a crash's leftover before its
        // row commits.
        if tokio::fs::try_exists(&target).await? {
            let at = target.clone();
            tokio::task::spawn_blocking(move || {
                std::fs::File::options()
                    .write(true)
                    .open(at)?
                    .set_modified(std::time::SystemTime::now())
            })
            .await
            .map_err(|e| PutError::Io(std::io::Error::other(e)))??;
            record(pool, stored).await?;
            // The daily sweep may have taken it away just before the row came back (it
            // holds the writers' lock, which `record` waited for): then this copy takes
            // its place.
            if tokio::fs::try_exists(&target).await? {
                return Ok(());
            }
        }
        tokio::fs::create_dir_all(&folder).await?;
        tokio::fs::rename(&temp.path, &target).await?;
        temp.moved = true;
        // The rename is durable once its folder is.
        tokio::task::spawn_blocking(move || std::fs::File::open(folder)?.sync_all())
            .await
            .map_err(|e| PutError::Io(std::io::Error::other(e)))??;
        record(pool, stored).await
    }

    /// The folder store's bytes of a file whose row is being deleted: removed unless an
    /// upload of the same bytes touched them lately (its row is coming back). Called with
    /// the writers' lock held (see `files::db::sweep`).
    pub fn forget(&self, sha256: &str) {
        if self.in_database {
            return;
        }
        let path = self.path_of(sha256);
        let settled = std::time::SystemTime::now() - SETTLED;
        let old = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .is_ok_and(|at| at < settled);
        if old {
            let _ = std::fs::remove_file(path);
        }
    }

    /// The bytes into `attachment_chunks` with their row, in one transaction: another
    /// server reads all of a file or none of it. Not a turn of the writers' lock
    /// (`begin_write`): copying a large file would hold up every other write, and two
    /// servers storing the same file meet at the row's primary key instead.
    async fn copy_into_database(
        &self,
        pool: &Pool,
        temp: &Temp,
        stored: &Stored,
    ) -> Result<(), PutError> {
        let mut tx = pool.begin().await?;
        // Renewed when already there, so the daily sweep leaves it to the upload.
        // (`xmax = 0`: PostgreSQL's way of telling an insert from an update.)
        let new: i32 = sqlx::query_scalar(
            "INSERT INTO attachment_blobs (sha256, size, content_type, created_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (sha256) DO UPDATE SET created_at = EXCLUDED.created_at
             RETURNING CASE WHEN xmax = 0 THEN 1 ELSE 0 END",
        )
        .bind(&stored.sha256)
        .bind(stored.size as i64)
        .bind(stored.content_type)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        let new = new == 1;
        if new {
            let mut file = tokio::fs::File::open(&temp.path).await?;
            let mut n = 0i64;
            loop {
                let mut chunk = Vec::with_capacity(CHUNK as usize);
                (&mut file).take(CHUNK).read_to_end(&mut chunk).await?;
                if chunk.is_empty() && n > 0 {
                    break;
                }
                sqlx::query("INSERT INTO attachment_chunks (sha256, n, data) VALUES ($1, $2, $3)")
                    .bind(&stored.sha256)
                    .bind(n)
                    .bind(chunk)
                    .execute(&mut *tx)
                    .await?;
                n += 1;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// The bytes `range` of a stored file, a chunk at a time.
    pub async fn read(
        &self,
        pool: &Pool,
        sha256: &str,
        range: Range<u64>,
    ) -> std::io::Result<impl Stream<Item = std::io::Result<Bytes>> + Send + 'static> {
        enum Source {
            File(tokio::fs::File),
            Database(Pool, String),
        }
        let source = if self.in_database {
            Source::Database(pool.clone(), sha256.to_string())
        } else {
            let mut file = tokio::fs::File::open(self.path_of(sha256)).await?;
            file.seek(std::io::SeekFrom::Start(range.start)).await?;
            Source::File(file)
        };
        Ok(futures::stream::try_unfold(
            (source, range),
            |(mut source, range)| async move {
                if range.start >= range.end {
                    return Ok(None);
                }
                let chunk = match &mut source {
                    Source::File(file) => {
                        let want = (range.end - range.start).min(CHUNK);
                        let mut chunk = Vec::with_capacity(want as usize);
                        file.take(want).read_to_end(&mut chunk).await?;
                        chunk
                    }
                    Source::Database(pool, sha256) => {
                        let n = range.start / CHUNK;
                        let data: Vec<u8> = sqlx::query_scalar(
                            "SELECT data FROM attachment_chunks WHERE sha256 = $1 AND n = $2",
                        )
                        .bind(&*sha256)
                        .bind(n as i64)
                        .fetch_one(&*pool)
                        .await
                        .map_err(std::io::Error::other)?;
                        let from = (range.start - n * CHUNK) as usize;
                        let to = ((range.end - n * CHUNK) as usize).min(data.len());
                        data.get(from..to).unwrap_or_default().to_vec()
                    }
                };
                if chunk.is_empty() {
                    return Err(std::io::Error::new(
                        ErrorKind::UnexpectedEof,
                        "the stored file is shorter than its row says",
                    ));
                }
                let next = range.start + chunk.len() as u64..range.end;
                Ok(Some((Bytes::from(chunk), (source, next))))
            },
        ))
    }

    /// Hashes every stored file and compares it with its row, and sweeps away files no row
    /// names that are over ten minutes old (an upload cut off by a crash: a temporary file,
    /// or a file moved into place whose row never committed). Younger ones may be uploads
    /// in progress: counted, left alone.
    pub async fn check(&self, pool: &Pool) -> Result<Report, sqlx::Error> {
        let blobs: Vec<(String, i64)> =
            sqlx::query_as("SELECT sha256, size FROM attachment_blobs ORDER BY sha256")
                .fetch_all(pool)
                .await?;
        let mut report = Report {
            files: blobs.len(),
            ..Report::default()
        };
        for (sha256, size) in &blobs {
            match self.hash(pool, sha256, *size as u64).await {
                Ok(got) if got == *sha256 => {}
                Ok(_) => report.damaged.push(sha256.clone()),
                Err(_) => report.missing.push(sha256.clone()),
            }
        }
        let known: std::collections::HashSet<&str> =
            blobs.iter().map(|(s, _)| s.as_str()).collect();
        let staging = self.staging();
        let settled = std::time::SystemTime::now() - SETTLED;
        for path in files_under(&self.folder) {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let in_place = !self.in_database && !path.starts_with(&staging);
            if in_place && known.contains(name) {
                continue;
            }
            let modified = std::fs::metadata(&path).and_then(|m| m.modified());
            if modified.is_ok_and(|at| at > settled) {
                report.in_progress += 1;
                continue;
            }
            // Once more, in case its row committed since the rows were read.
            if in_place && self.named(pool, name).await? {
                continue;
            }
            if std::fs::remove_file(&path).is_ok() {
                report.swept.push(path);
            }
        }
        report.unused = sqlx::query_scalar(
            "SELECT b.sha256 FROM attachment_blobs b
             WHERE NOT EXISTS (SELECT 1 FROM attachments a WHERE a.sha256 = b.sha256)
             ORDER BY b.sha256",
        )
        .fetch_all(pool)
        .await?;
        Ok(report)
    }

    async fn named(&self, pool: &Pool, sha256: &str) -> Result<bool, sqlx::Error> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachment_blobs WHERE sha256 = $1")
            .bind(sha256)
            .fetch_one(pool)
            .await?;
        Ok(n > 0)
    }

    async fn hash(&self, pool: &Pool, sha256: &str, size: u64) -> std::io::Result<String> {
        let mut hasher = Sha256::new();
        let mut read = 0u64;
        let mut bytes = std::pin::pin!(self.read(pool, sha256, 0..size).await?);
        while let Some(chunk) = bytes.next().await {
            let chunk = chunk?;
            read += chunk.len() as u64;
            hasher.update(&chunk);
        }
        if !self.in_database {
            // A file longer than its row says is damaged too.
            let len = tokio::fs::metadata(self.path_of(sha256)).await?.len();
            if len != read {
                return Ok(String::new());
            }
        }
        Ok(hex(&hasher.finalize()))
    }
}

/// How long a file no row names may be an upload in progress (the rename and the row's
/// commit take milliseconds; a stalled upload is cut off long before).
const SETTLED: std::time::Duration = std::time::Duration::from_secs(600);

/// What `check` found among the attachments.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// How many distinct files the rows name.
    pub files: usize,
    /// Named by a row, not there (or unreadable).
    pub missing: Vec<String>,
    /// There, but their bytes no longer hash to their name.
    pub damaged: Vec<String>,
    /// Files no row named, removed: uploads cut off by a crash.
    pub swept: Vec<PathBuf>,
    /// Files no row names yet, under ten minutes old: uploads in progress, left alone.
    pub in_progress: usize,
    /// Stored, but attached to nothing (the comment they were for was never sent).
    pub unused: Vec<String>,
}

impl Report {
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty() && self.damaged.is_empty()
    }
}

/// The row of a file the folder store holds (written once its bytes are in place).
async fn record(pool: &Pool, stored: &Stored) -> Result<(), PutError> {
    let mut tx = begin_write(pool).await?;
    sqlx::query(
        "INSERT INTO attachment_blobs (sha256, size, content_type, created_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (sha256) DO UPDATE SET created_at = excluded.created_at",
    )
    .bind(&stored.sha256)
    .bind(stored.size as i64)
    .bind(stored.content_type)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A new file of our own (0600) with a random name in `folder`.
async fn create_temp(folder: &Path) -> std::io::Result<(tokio::fs::File, Temp)> {
    loop {
        let path = folder.join(format!("upload-{:016x}", fastrand::u64(..)));
        let mut options = tokio::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        options.mode(0o600);
        match options.open(&path).await {
            Ok(file) => return Ok((file, Temp { path, moved: false })),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Every file under `folder`, at any depth (none when it does not exist).
fn files_under(folder: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut folders = vec![folder.to_path_buf()];
    while let Some(dir) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::db::test_pool;

    /// A body as an upload's stream delivers it: in pieces.
    fn body(bytes: &[u8], piece: usize) -> impl Stream<Item = Result<Bytes, String>> + Unpin {
        let pieces: Vec<Result<Bytes, String>> = bytes
            .chunks(piece.max(1))
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        futures::stream::iter(pieces)
    }

    const PNG: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
    ];

    async fn read_all(store: &Store, pool: &Pool, sha256: &str, range: Range<u64>) -> Vec<u8> {
        let mut out = Vec::new();
        let mut stream = std::pin::pin!(store.read(pool, sha256, range).await.unwrap());
        while let Some(chunk) = stream.next().await {
            out.extend_from_slice(&chunk.unwrap());
        }
        out
    }

    fn sha256_hex(bytes: &[u8]) -> String {
        hex(&Sha256::digest(bytes))
    }

    async fn blobs(pool: &Pool) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM attachment_blobs")
            .fetch_one(pool)
            .await
            .unwrap()
    }

    fn staged(store: &Store) -> usize {
        files_under(&store.staging()).len()
    }

    #[tokio::test]
    async fn a_file_is_stored_once_by_its_content_and_read_back_in_any_range() {
        let (pool, dir) = test_pool().await;
        let store = Store::new(Backend::of(&pool), dir.path());
        // 2.5 chunks, so ranges cross the database's chunk boundaries.
        let big: Vec<u8> = (0..(CHUNK * 5 / 2)).map(|i| (i * 7 % 251) as u8).collect();
        let mut png = PNG.to_vec();
        png.extend_from_slice(&big);

        let stored = store
            .put(&pool, body(&png, 64 * 1024), 10 << 20)
            .await
            .unwrap();
        assert_eq!(stored.sha256, sha256_hex(&png));
        assert_eq!(stored.size, png.len() as u64);
        assert_eq!(stored.content_type, "image/png", "decided by the bytes");
        // The same bytes again, in other pieces: the same file, stored once.
        let again = store.put(&pool, body(&png, 1000), 10 << 20).await.unwrap();
        assert_eq!(again, stored);
        assert_eq!(blobs(&pool).await, 1);
        assert_eq!(staged(&store), 0, "no temporary file is left");
        if !store.in_database() {
            use std::os::unix::fs::PermissionsExt;
            let path = store.path_of(&stored.sha256);
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", path.display());
            assert!(path.starts_with(dir.path().join("attachments").join(&stored.sha256[..2])));
        }

        let n = png.len() as u64;
        assert_eq!(read_all(&store, &pool, &stored.sha256, 0..n).await, png);
        for range in [
            0..1,
            5..CHUNK + 10,
            CHUNK - 1..CHUNK + 1,
            CHUNK..2 * CHUNK,
            2 * CHUNK + 3..n,
        ] {
            let (a, b) = (range.start as usize, range.end as usize);
            assert_eq!(
                read_all(&store, &pool, &stored.sha256, range.clone()).await,
                &png[a..b],
                "{range:?}"
            );
        }

        // An empty file and a page that calls itself a picture.
        let empty = store.put(&pool, body(b"", 1), 10).await.unwrap();
        assert_eq!(
            (empty.size, empty.content_type),
            (0, "application/octet-stream")
        );
        assert!(
            read_all(&store, &pool, &empty.sha256, 0..0)
                .await
                .is_empty()
        );
        let html = store
            .put(
                &pool,
                body(b"<html><script>alert(1)</script></html>", 7),
                100,
            )
            .await
            .unwrap();
        assert_eq!(html.content_type, "text/html");

        let report = store.check(&pool).await.unwrap();
        assert!(report.is_clean(), "{report:?}");
        assert_eq!(report.files, 3);
        assert_eq!(report.unused.len(), 3, "none is attached to a comment yet");
    }

    #[tokio::test]
    async fn too_large_or_broken_off_stores_nothing() {
        let (pool, dir) = test_pool().await;
        let store = Store::new(Backend::of(&pool), dir.path());
        let err = store
            .put(&pool, body(&[1u8; 5000], 1000), 4096)
            .await
            .unwrap_err();
        assert!(matches!(err, PutError::TooLarge(4096)), "{err:?}");
        assert_eq!(
            err.to_string(),
            "it is larger than 4 KB (the largest file allowed)"
        );

        let mut pieces: Vec<Result<Bytes, String>> = vec![Ok(Bytes::from_static(b"half of"))];
        pieces.push(Err("connection reset".into()));
        let err = store
            .put(&pool, futures::stream::iter(pieces), 4096)
            .await
            .unwrap_err();
        assert!(matches!(err, PutError::BrokenOff(_)), "{err:?}");

        assert_eq!(blobs(&pool).await, 0);
        assert_eq!(staged(&store), 0);
        let report = store.check(&pool).await.unwrap();
        assert!(report.is_clean() && report.files == 0, "{report:?}");
    }

    #[tokio::test]
    async fn check_finds_damaged_missing_and_unknown_files() {
        let (pool, dir) = test_pool().await;
        let store = Store::new(Backend::of(&pool), dir.path());
        let a = store.put(&pool, body(b"first file", 3), 100).await.unwrap();
        let b = store
            .put(&pool, body(b"second file", 3), 100)
            .await
            .unwrap();
        if store.in_database() {
            sqlx::query("UPDATE attachment_chunks SET data = $1 WHERE sha256 = $2")
                .bind(b"FIRST file".to_vec())
                .bind(&a.sha256)
                .execute(&pool)
                .await
                .unwrap();
            sqlx::query("DELETE FROM attachment_chunks WHERE sha256 = $1")
                .bind(&b.sha256)
                .execute(&pool)
                .await
                .unwrap();
        } else {
            std::fs::write(store.path_of(&a.sha256), b"FIRST file").unwrap();
            std::fs::remove_file(store.path_of(&b.sha256)).unwrap();
        }
        // Left by crashes an hour ago: an upload in progress, and (the folder store) a file
        // moved into place whose row never committed; and an upload going on now.
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        let stray = store.path_of(&sha256_hex(b"stray"));
        let old_upload = store.staging().join("upload-0000000000000001");
        let mut left = vec![old_upload.clone()];
        if !store.in_database() {
            left.push(stray.clone());
        }
        for path in &left {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, b"stray").unwrap();
            let file = std::fs::File::options().write(true).open(path).unwrap();
            file.set_modified(hour_ago).unwrap();
        }
        std::fs::write(store.staging().join("upload-0000000000000002"), b"now").unwrap();

        let report = store.check(&pool).await.unwrap();
        assert_eq!(report.damaged, vec![a.sha256]);
        assert_eq!(report.missing, vec![b.sha256]);
        left.sort();
        assert_eq!(report.swept, left);
        assert!(left.iter().all(|p| !p.exists()));
        assert_eq!(report.in_progress, 1);
        assert!(!report.is_clean());
    }
}
