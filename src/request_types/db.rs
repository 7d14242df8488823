//! Request type queries.

use super::model::{RequestType, RequestTypeName};
use crate::{
    error::AppError,
    lists::db::{insert_name, lists_changed, rename_name},
};
use sqlx::SqlitePool;

const SELECT: &str = "SELECT r.id, r.name,
        (SELECT COUNT(*) FROM tickets t WHERE t.request_type_id = r.id) AS ticket_count
   FROM request_types r";

pub async fn list(pool: &SqlitePool) -> Result<Vec<RequestType>, AppError> {
    Ok(sqlx::query_as(&format!("{SELECT} ORDER BY r.name"))
        .fetch_all(pool)
        .await?)
}

/// Names for a select: every signed-in user may see them.
pub async fn get(pool: &SqlitePool, id: i64) -> Result<RequestType, AppError> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE r.id = ?"))
        .bind(id)
        .fetch_one(pool)
        .await?)
}

pub async fn create(pool: &SqlitePool, name: &RequestTypeName) -> Result<RequestType, AppError> {
    let id = insert_name(pool, "request_types", "request type", name.as_str()).await?;
    get(pool, id).await
}

pub async fn rename(
    pool: &SqlitePool,
    id: i64,
    name: &RequestTypeName,
) -> Result<RequestType, AppError> {
    rename_name(pool, "request_types", "request type", id, name.as_str()).await?;
    get(pool, id).await
}

/// Deletes a type no ticket uses; the foreign key (RESTRICT) backs the check up against a
/// ticket created concurrently.
pub async fn delete(pool: &SqlitePool, id: i64) -> Result<(), AppError> {
    let kind = get(pool, id).await?;
    let in_use = |tickets: i64| {
        AppError::conflict(
            "",
            format!(
                "“{}” cannot be deleted while {tickets} ticket{} use it. Rename it instead.",
                kind.name,
                if tickets == 1 { "" } else { "s" }
            ),
        )
    };
    if kind.ticket_count > 0 {
        return Err(in_use(kind.ticket_count));
    }
    match sqlx::query("DELETE FROM request_types WHERE id = ?")
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
            Err(in_use(get(pool, id).await?.ticket_count))
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::db::test_pool;

    fn name(s: &str) -> RequestTypeName {
        RequestTypeName::parse(s).unwrap()
    }

    #[tokio::test]
    async fn the_kept_lists_follow_every_request_type_change_at_once() {
        use crate::lists::db::choices;
        let (pool, _dir) = test_pool().await;
        let (seeded, _) = choices(&pool).await.unwrap();
        let kind = create(&pool, &name("Zebra care")).await.unwrap();
        assert_eq!(choices(&pool).await.unwrap().0.len(), seeded.len() + 1);
        rename(&pool, kind.id, &name("Aardvark care"))
            .await
            .unwrap();
        assert_eq!(choices(&pool).await.unwrap().0[0].name, "Aardvark care");
        delete(&pool, kind.id).await.unwrap();
        assert_eq!(choices(&pool).await.unwrap().0, seeded);
    }

    #[tokio::test]
    async fn seeded_then_created_renamed_deleted_with_unique_names() {
        let (pool, _dir) = test_pool().await;
        let seeded: Vec<String> =
            sqlx::query_scalar("SELECT name FROM request_types ORDER BY name")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(
            seeded,
            ["Account access", "Hardware", "Network", "Other", "Software"]
        );
        let printing = create(&pool, &name("Printing")).await.unwrap();
        let err = create(&pool, &name("printing")).await.unwrap_err();
        assert_eq!(
            err.for_field("name").unwrap(),
            "A request type with that name already exists."
        );
        let renamed = rename(&pool, printing.id, &name("Printers")).await.unwrap();
        assert_eq!(renamed.name, "Printers");
        delete(&pool, printing.id).await.unwrap();
        assert_eq!(delete(&pool, printing.id).await, Err(AppError::NotFound));
        assert_eq!(list(&pool).await.unwrap().len(), 5);
    }

    #[tokio::test]
    async fn a_type_in_use_cannot_be_deleted() {
        let (pool, _dir) = test_pool().await;
        sqlx::query(
            "INSERT INTO users (id, username, email, password_hash, created_at, updated_at)
             VALUES (1, 'ann', 'ann@example.com', 'x', 0, 0);
             INSERT INTO departments (id, name, created_at) VALUES (1, 'IT', 0);
             INSERT INTO tickets (service_request_no, requested_by, request_type_id,
                                  department_id, subject, date_started)
             VALUES ('SR-2026-000001', 1, 1, 1, 'Printer', 0);",
        )
        .execute(&pool)
        .await
        .unwrap();
        let err = delete(&pool, 1).await.unwrap_err();
        let message = err.for_field("").unwrap();
        assert!(message.contains("1 ticket use it"), "{message}");
        assert_eq!(list(&pool).await.unwrap().len(), 5);
    }
}
