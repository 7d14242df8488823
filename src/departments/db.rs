//! Department queries.

use super::model::{Department, DepartmentName};
use crate::{
    error::AppError,
    lists::db::{insert_name, lists_changed, rename_name},
};
use sqlx::SqlitePool;

const SELECT: &str = "SELECT d.id, d.name,
        (SELECT COUNT(*) FROM users u WHERE u.department_id = d.id) AS user_count,
        (SELECT COUNT(*) FROM tickets t WHERE t.department_id = d.id) AS ticket_count
   FROM departments d";

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
    use crate::base::db::test_pool;

    fn name(s: &str) -> DepartmentName {
        DepartmentName::parse(s).unwrap()
    }

    #[tokio::test]
    async fn the_kept_lists_follow_every_department_change_at_once() {
        use crate::lists::{Choice, db::choices};
        let (pool, _dir) = test_pool().await;
        let names = |c: &[Choice]| c.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        let (_, none) = choices(&pool).await.unwrap();
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
