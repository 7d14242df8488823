//! Department queries.

use super::model::{Choice, Department, DepartmentName};
use crate::{
    error::AppError,
    server::db::{now_ms, per_database},
};
use sqlx::SqlitePool;
use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

const SELECT: &str = "SELECT d.id, d.name,
        (SELECT COUNT(*) FROM users u WHERE u.department_id = d.id) AS user_count,
        (SELECT COUNT(*) FROM tickets t WHERE t.department_id = d.id) AS ticket_count
   FROM departments d";

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

pub async fn list(pool: &SqlitePool) -> Result<Vec<Department>, AppError> {
    Ok(sqlx::query_as(&format!("{SELECT} ORDER BY d.name"))
        .fetch_all(pool)
        .await?)
}

/// Names for a select: every signed-in user may see them.
pub async fn get(pool: &SqlitePool, id: i64) -> Result<Department, AppError> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE d.id = ?"))
        .bind(id)
        .fetch_one(pool)
        .await?)
}

pub async fn create(pool: &SqlitePool, name: &DepartmentName) -> Result<Department, AppError> {
    let id = insert_name(pool, "departments", "department", name.as_str()).await?;
    get(pool, id).await
}

pub async fn rename(
    pool: &SqlitePool,
    id: i64,
    name: &DepartmentName,
) -> Result<Department, AppError> {
    rename_name(pool, "departments", "department", id, name.as_str()).await?;
    get(pool, id).await
}

/// Deletes a department nobody references. The foreign keys (RESTRICT) back this check up
/// if a user or ticket is added to it concurrently.
pub async fn delete(pool: &SqlitePool, id: i64) -> Result<(), AppError> {
    let dept = get(pool, id).await?;
    let in_use = |users: i64, tickets: i64| {
        let plural = |n: i64, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        AppError::conflict(
            "",
            format!(
                "“{}” cannot be deleted while {} and {} belong to it. Move them to another department first.",
                dept.name,
                plural(users, "user"),
                plural(tickets, "ticket")
            ),
        )
    };
    if dept.user_count > 0 || dept.ticket_count > 0 {
        return Err(in_use(dept.user_count, dept.ticket_count));
    }
    match sqlx::query("DELETE FROM departments WHERE id = ?")
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
            let now = get(pool, id).await?;
            Err(in_use(now.user_count, now.ticket_count))
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::db::test_pool;

    fn name(s: &str) -> DepartmentName {
        DepartmentName::parse(s).unwrap()
    }

    #[tokio::test]
    async fn the_kept_lists_follow_every_change_made_in_the_app_at_once() {
        use crate::request_types::{db as kinds, model::RequestTypeName};
        let (pool, _dir) = test_pool().await;
        let names = |c: &[Choice]| c.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        let (seeded, none) = choices(&pool).await.unwrap();
        assert!(none.is_empty());
        let hr = create(&pool, &name("HR")).await.unwrap();
        create(&pool, &name("Facilities")).await.unwrap();
        assert_eq!(
            names(&choices(&pool).await.unwrap().1),
            ["Facilities", "HR"]
        );
        rename(&pool, hr.id, &name("People")).await.unwrap();
        assert_eq!(
            names(&choices(&pool).await.unwrap().1),
            ["Facilities", "People"]
        );
        delete(&pool, hr.id).await.unwrap();
        assert_eq!(names(&choices(&pool).await.unwrap().1), ["Facilities"]);

        let kind = kinds::create(&pool, &RequestTypeName::parse("Zebra care").unwrap())
            .await
            .unwrap();
        assert_eq!(choices(&pool).await.unwrap().0.len(), seeded.len() + 1);
        kinds::delete(&pool, kind.id).await.unwrap();
        assert_eq!(names(&choices(&pool).await.unwrap().0), names(&seeded));
    }

    #[tokio::test]
    async fn create_rename_delete() {
        let (pool, _dir) = test_pool().await;
        let hr = create(&pool, &name("Human Resources")).await.unwrap();
        assert_eq!(hr.name, "Human Resources");
        let it = create(&pool, &name("IT")).await.unwrap();
        let renamed = rename(&pool, it.id, &name("Information Technology"))
            .await
            .unwrap();
        assert_eq!(renamed.name, "Information Technology");
        let names: Vec<_> = list(&pool)
            .await
            .unwrap()
            .into_iter()
            .map(|d| d.name)
            .collect();
        assert_eq!(names, ["Human Resources", "Information Technology"]);
        delete(&pool, hr.id).await.unwrap();
        assert_eq!(list(&pool).await.unwrap().len(), 1);
        assert_eq!(delete(&pool, hr.id).await, Err(AppError::NotFound));
        assert_eq!(
            rename(&pool, hr.id, &name("X")).await,
            Err(AppError::NotFound)
        );
    }

    #[tokio::test]
    async fn names_are_unique_ignoring_case() {
        let (pool, _dir) = test_pool().await;
        let finance = create(&pool, &name("Finance")).await.unwrap();
        let err = create(&pool, &name("finance")).await.unwrap_err();
        assert_eq!(
            err.for_field("name").unwrap(),
            "A department with that name already exists."
        );
        let other = create(&pool, &name("Legal")).await.unwrap();
        assert!(rename(&pool, other.id, &name("FINANCE")).await.is_err());
        assert_eq!(list(&pool).await.unwrap().len(), 2);
        // Renaming to itself (another case) is fine.
        assert!(rename(&pool, finance.id, &name("FINANCE")).await.is_ok());
    }

    #[tokio::test]
    async fn a_department_in_use_cannot_be_deleted() {
        let (pool, _dir) = test_pool().await;
        let ops = create(&pool, &name("Operations")).await.unwrap();
        sqlx::query(
            "INSERT INTO users (username, email, password_hash, department_id, created_at, updated_at)
             VALUES ('ann', 'ann@example.com', 'x', ?, 0, 0)",
        )
        .bind(ops.id)
        .execute(&pool)
        .await
        .unwrap();
        let err = delete(&pool, ops.id).await.unwrap_err();
        let message = err.for_field("").unwrap();
        assert!(message.contains("1 user and 0 tickets"), "{message}");
        assert_eq!(list(&pool).await.unwrap().len(), 1);
    }
}
