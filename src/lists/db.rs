//! The named lists' queries, one implementation for every list (see `NamedList::spec`), and
//! the lists kept in memory for the ticket forms.

use super::model::{Choice, Entry, EntryName, NamedList, in_use_message};
use crate::base::db::{Backend, Pool};
use crate::{
    base::db::{now_ms, per_database},
    error::AppError,
};
use sqlx::{Row, any::AnyRow};
use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// `SELECT id, name, <one count per used_by table> FROM <table> e`. Every name in it comes
/// from the list's `Spec`, never from input.
fn select(list: NamedList) -> String {
    let spec = list.spec();
    let counts: String = spec
        .used_by
        .iter()
        .map(|by| {
            format!(
                ", (SELECT COUNT(*) FROM {} x WHERE x.{} = e.id)",
                by.table, by.column
            )
        })
        .collect();
    format!("SELECT e.id, e.name{counts} FROM {} e", spec.table)
}

fn entry(row: AnyRow) -> Result<Entry, sqlx::Error> {
    Ok(Entry {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        usage: (2..row.len())
            .map(|i| row.try_get(i))
            .collect::<Result<_, _>>()?,
    })
}

/// Every entry, sorted by name.
pub async fn entries(pool: &Pool, list: NamedList) -> Result<Vec<Entry>, AppError> {
    let rows = sqlx::query(&format!("{} ORDER BY e.name", select(list)))
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(entry).collect::<Result<_, _>>()?)
}

pub async fn get(pool: &Pool, list: NamedList, id: i64) -> Result<Entry, AppError> {
    let row = sqlx::query(&format!("{} WHERE e.id = $1", select(list)))
        .bind(id)
        .fetch_one(pool)
        .await?;
    Ok(entry(row)?)
}

pub async fn create(pool: &Pool, list: NamedList, name: &EntryName) -> Result<Entry, AppError> {
    let id: i64 = sqlx::query_scalar(&format!(
        "INSERT INTO {} (name, created_at) VALUES ($1, $2) RETURNING id",
        list.spec().table
    ))
    .bind(name.as_str())
    .bind(now_ms())
    .fetch_one(pool)
    .await
    .map_err(|e| name_taken(e, list))?;
    lists_changed(pool);
    get(pool, list, id).await
}

pub async fn rename(
    pool: &Pool,
    list: NamedList,
    id: i64,
    name: &EntryName,
) -> Result<Entry, AppError> {
    let done = sqlx::query(&format!(
        "UPDATE {} SET name = $1 WHERE id = $2",
        list.spec().table
    ))
    .bind(name.as_str())
    .bind(id)
    .execute(pool)
    .await
    .map_err(|e| name_taken(e, list))?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    lists_changed(pool);
    get(pool, list, id).await
}

/// Deletes an entry nothing refers to. The foreign keys (RESTRICT) back the check up against
/// a row that starts referring to it concurrently.
pub async fn delete(pool: &Pool, list: NamedList, id: i64) -> Result<(), AppError> {
    let in_use = |e: Entry| AppError::conflict("", in_use_message(list, &e.name, &e.usage));
    let found = get(pool, list, id).await?;
    if found.usage.iter().any(|n| *n > 0) {
        return Err(in_use(found));
    }
    match sqlx::query(&format!("DELETE FROM {} WHERE id = $1", list.spec().table))
        .bind(id)
        .execute(pool)
        .await
    {
        Ok(_) => {
            lists_changed(pool);
            Ok(())
        }
        Err(e)
            if e.as_database_error()
                .is_some_and(|d| d.is_foreign_key_violation()) =>
        {
            Err(in_use(get(pool, list, id).await?))
        }
        Err(e) => Err(e.into()),
    }
}

/// Both lists, sorted by name, for the ticket forms and filters: (request types, departments).
/// Every ticket page shows them and they change rarely, so they are kept in memory for up to
/// `KEEP_LISTS`; a change made through the app forgets them at once.
pub async fn choices(pool: &Pool) -> Result<Choices, AppError> {
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
    let b = Backend::of(pool);
    let list = b.json_list(
        &format!("{}('id', id, 'name', name)", b.json_object()),
        "ORDER BY name",
    );
    let (kinds, departments): (String, String) = sqlx::query_as(&format!(
        "SELECT (SELECT {list} FROM request_types), (SELECT {list} FROM departments)"
    ))
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
fn lists_changed(pool: &Pool) {
    forget(pool);
    crate::base::signal::spawn_send(pool, SIGNAL, String::new());
}

/// The signal of a change to a list.
pub const SIGNAL: &str = "lists";

/// Forgets the lists kept by this server (also when another server signals a change).
pub fn forget(pool: &Pool) {
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

fn name_taken(err: sqlx::Error, list: NamedList) -> AppError {
    match err.as_database_error() {
        Some(db) if db.is_unique_violation() => AppError::conflict(
            "name",
            format!("A {} with that name already exists.", list.spec().one),
        ),
        _ => err.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::db::test_pool;
    use NamedList::{Departments, RequestTypes};

    fn name(list: NamedList, s: &str) -> EntryName {
        EntryName::parse(list, s).unwrap()
    }

    fn names(list: &[impl AsRef<str>]) -> Vec<String> {
        list.iter().map(|n| n.as_ref().to_string()).collect()
    }

    impl AsRef<str> for Choice {
        fn as_ref(&self) -> &str {
            &self.name
        }
    }

    impl AsRef<str> for Entry {
        fn as_ref(&self) -> &str {
            &self.name
        }
    }

    #[tokio::test]
    async fn the_kept_lists_follow_every_change_at_once() {
        let (pool, _dir) = test_pool().await;
        let (seeded, none) = choices(&pool).await.unwrap();
        assert!(none.is_empty());
        let hr = create(&pool, Departments, &name(Departments, "HR"))
            .await
            .unwrap();
        create(&pool, Departments, &name(Departments, "Facilities"))
            .await
            .unwrap();
        assert_eq!(
            names(&choices(&pool).await.unwrap().1),
            ["Facilities", "HR"]
        );
        rename(&pool, Departments, hr.id, &name(Departments, "People"))
            .await
            .unwrap();
        assert_eq!(
            names(&choices(&pool).await.unwrap().1),
            ["Facilities", "People"]
        );
        delete(&pool, Departments, hr.id).await.unwrap();
        assert_eq!(names(&choices(&pool).await.unwrap().1), ["Facilities"]);

        let kind = create(&pool, RequestTypes, &name(RequestTypes, "Zebra care"))
            .await
            .unwrap();
        assert_eq!(choices(&pool).await.unwrap().0.len(), seeded.len() + 1);
        rename(
            &pool,
            RequestTypes,
            kind.id,
            &name(RequestTypes, "Aardvark care"),
        )
        .await
        .unwrap();
        assert_eq!(choices(&pool).await.unwrap().0[0].name, "Aardvark care");
        delete(&pool, RequestTypes, kind.id).await.unwrap();
        assert_eq!(choices(&pool).await.unwrap().0, seeded);
    }

    #[tokio::test]
    async fn create_rename_delete() {
        let (pool, _dir) = test_pool().await;
        let seeded = names(&entries(&pool, RequestTypes).await.unwrap());
        assert_eq!(
            seeded,
            ["Account access", "Hardware", "Network", "Other", "Software"]
        );
        for list in NamedList::ALL {
            let before = entries(&pool, list).await.unwrap().len();
            let hr = create(&pool, list, &name(list, "Human Resources"))
                .await
                .unwrap();
            assert_eq!(
                (hr.name.as_str(), hr.usage.len()),
                ("Human Resources", list.spec().used_by.len())
            );
            let it = create(&pool, list, &name(list, "IT")).await.unwrap();
            let renamed = rename(&pool, list, it.id, &name(list, "Information Technology"))
                .await
                .unwrap();
            assert_eq!(renamed.name, "Information Technology");
            assert_eq!(entries(&pool, list).await.unwrap().len(), before + 2);
            delete(&pool, list, hr.id).await.unwrap();
            assert_eq!(entries(&pool, list).await.unwrap().len(), before + 1);
            assert_eq!(delete(&pool, list, hr.id).await, Err(AppError::NotFound));
            assert_eq!(
                rename(&pool, list, hr.id, &name(list, "X")).await,
                Err(AppError::NotFound)
            );
        }
    }

    #[tokio::test]
    async fn names_are_unique_ignoring_case() {
        let (pool, _dir) = test_pool().await;
        for list in NamedList::ALL {
            let finance = create(&pool, list, &name(list, "Finance")).await.unwrap();
            let err = create(&pool, list, &name(list, "finance"))
                .await
                .unwrap_err();
            assert_eq!(
                err.for_field("name").unwrap(),
                format!("A {} with that name already exists.", list.spec().one)
            );
            let other = create(&pool, list, &name(list, "Legal")).await.unwrap();
            assert!(
                rename(&pool, list, other.id, &name(list, "FINANCE"))
                    .await
                    .is_err()
            );
            // Renaming to itself (another case) is fine.
            assert!(
                rename(&pool, list, finance.id, &name(list, "FINANCE"))
                    .await
                    .is_ok()
            );
        }
    }

    #[tokio::test]
    async fn an_entry_in_use_cannot_be_deleted() {
        let (pool, _dir) = test_pool().await;
        let ops = create(&pool, Departments, &name(Departments, "Operations"))
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO users (id, username, email, password_hash, department_id, created_at, updated_at)
             VALUES (1, 'ann', 'ann@example.com', 'x', $1, 0, 0)",
        )
        .bind(ops.id)
        .execute(&pool)
        .await
        .unwrap();
        let err = delete(&pool, Departments, ops.id).await.unwrap_err();
        let message = err.for_field("").unwrap();
        assert!(message.contains("1 user and 0 tickets"), "{message}");
        assert_eq!(entries(&pool, Departments).await.unwrap().len(), 1);

        sqlx::query(
            "INSERT INTO tickets (service_request_no, requested_by, request_type_id,
                                  department_id, subject, date_started)
             VALUES ('SR-2026-000001', 1, 1, $1, 'Printer', 0)",
        )
        .bind(ops.id)
        .execute(&pool)
        .await
        .unwrap();
        let err = delete(&pool, RequestTypes, 1).await.unwrap_err();
        let message = err.for_field("").unwrap();
        assert!(message.contains("1 ticket uses it"), "{message}");
        assert_eq!(entries(&pool, RequestTypes).await.unwrap().len(), 5);
    }
}
