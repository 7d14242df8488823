//! Ticket queries. A ticket, its number and its first comment are written in one transaction.

use super::model::{CommentText, DeviceNo, Subject, TicketStatus, service_request_no, utc_year};
use crate::{error::AppError, server::db::begin_write};
use sqlx::{SqliteConnection, SqlitePool};

pub struct NewTicket {
    pub requested_by: i64,
    pub request_type_id: i64,
    pub department_id: i64,
    pub subject: Subject,
    pub description: CommentText,
    pub device_no: DeviceNo,
}

async fn exists(conn: &mut SqliteConnection, table: &str, id: i64) -> Result<bool, AppError> {
    // `table` is one of our own constants, never user input.
    let found: Option<i64> = sqlx::query_scalar(&format!("SELECT id FROM {table} WHERE id = ?"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(found.is_some())
}

/// Creates the ticket (status pending) with the description as its first comment and returns
/// its id and service request number. The year's sequence row is bumped inside the same
/// write transaction, so numbers never repeat, even under concurrent submissions or after
/// deletes.
pub async fn create(
    pool: &SqlitePool,
    t: &NewTicket,
    now_ms: i64,
) -> Result<(i64, String), AppError> {
    let mut tx = begin_write(pool).await?;
    let mut errors = Vec::new();
    if !exists(&mut tx, "request_types", t.request_type_id).await? {
        errors.push(("request_type_id", "Choose a request type from the list."));
    }
    if !exists(&mut tx, "departments", t.department_id).await? {
        errors.push(("department_id", "Choose a department from the list."));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(
            errors
                .into_iter()
                .map(|(field, message)| crate::error::FieldError {
                    field: field.into(),
                    message: message.into(),
                })
                .collect(),
        ));
    }
    let year = utc_year(now_ms);
    let sequence: i64 = sqlx::query_scalar(
        "INSERT INTO ticket_sequences (year, last) VALUES (?, 1)
         ON CONFLICT (year) DO UPDATE SET last = last + 1
         RETURNING last",
    )
    .bind(year)
    .fetch_one(&mut *tx)
    .await?;
    let number = service_request_no(year, sequence);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO tickets (service_request_no, requested_by, request_type_id, department_id,
                              subject, status, date_started)
         VALUES (?, ?, ?, ?, ?, 'pending', ?) RETURNING id",
    )
    .bind(&number)
    .bind(t.requested_by)
    .bind(t.request_type_id)
    .bind(t.department_id)
    .bind(t.subject.as_str())
    .bind(now_ms)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO ticket_comments (ticket_id, user_id, comment_text, device_no, created_at)
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(t.requested_by)
    .bind(t.description.as_str())
    .bind(t.device_no.as_deref())
    .bind(now_ms)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((id, number))
}

/// Moves a ticket to `status`. Completing sets `date_finished` (kept if it was already
/// completed); any other status clears it.
pub async fn set_status(
    pool: &SqlitePool,
    ticket_id: i64,
    status: TicketStatus,
    now_ms: i64,
) -> Result<(), AppError> {
    let done = sqlx::query(
        "UPDATE tickets
            SET status = ?1,
                date_finished = CASE
                    WHEN ?1 <> 'completed' THEN NULL
                    WHEN status = 'completed' THEN date_finished
                    ELSE ?2 END
          WHERE id = ?3",
    )
    .bind(status.as_str())
    .bind(now_ms)
    .bind(ticket_id)
    .execute(pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::db::test_pool;
    use std::collections::HashSet;

    const JAN_2026: i64 = 1_767_225_600_000;

    async fn fixture(pool: &SqlitePool) -> NewTicket {
        let user: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, email, password_hash, created_at, updated_at)
             VALUES ('ann', 'ann@example.com', 'x', 0, 0) RETURNING id",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        let dept: i64 = sqlx::query_scalar(
            "INSERT INTO departments (name, created_at) VALUES ('IT', 0) RETURNING id",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        NewTicket {
            requested_by: user,
            request_type_id: 1,
            department_id: dept,
            subject: Subject::parse("Printer jam").unwrap(),
            description: CommentText::parse("Paper stuck\nin tray 2").unwrap(),
            device_no: DeviceNo::parse("PC-0042").unwrap(),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn numbers_are_unique_and_well_formed_under_50_concurrent_creations() {
        let (pool, _dir) = test_pool().await;
        let ticket = std::sync::Arc::new(fixture(&pool).await);
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (pool, ticket) = (pool.clone(), ticket.clone());
                tokio::spawn(async move { create(&pool, &ticket, JAN_2026).await })
            })
            .collect();
        let mut numbers = HashSet::new();
        for task in tasks {
            let (_, number) = task.await.unwrap().unwrap();
            assert!(
                number.len() == 14 && number.starts_with("SR-2026-"),
                "{number}"
            );
            numbers.insert(number);
        }
        assert_eq!(numbers.len(), 50);
        assert!(numbers.contains("SR-2026-000001") && numbers.contains("SR-2026-000050"));
        let comments: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ticket_comments")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(comments, 50, "each ticket starts with its description");
    }

    #[tokio::test]
    async fn numbers_are_not_reused_after_a_delete_and_restart_each_year() {
        let (pool, _dir) = test_pool().await;
        let ticket = fixture(&pool).await;
        let (id, first) = create(&pool, &ticket, JAN_2026).await.unwrap();
        sqlx::query("DELETE FROM tickets WHERE id = ?")
            .bind(id)
            .execute(&pool)
            .await
            .unwrap();
        let (_, second) = create(&pool, &ticket, JAN_2026).await.unwrap();
        assert_eq!(
            (first.as_str(), second.as_str()),
            ("SR-2026-000001", "SR-2026-000002")
        );
        let next_year = JAN_2026 + 366 * 86_400_000;
        let (_, third) = create(&pool, &ticket, next_year).await.unwrap();
        assert_eq!(third, "SR-2027-000001");
    }

    #[tokio::test]
    async fn unknown_type_or_department_is_refused_and_stores_nothing() {
        let (pool, _dir) = test_pool().await;
        let mut ticket = fixture(&pool).await;
        ticket.request_type_id = 999;
        ticket.department_id = 999;
        let err = create(&pool, &ticket, JAN_2026).await.unwrap_err();
        assert!(err.for_field("request_type_id").is_some());
        assert!(err.for_field("department_id").is_some());
        let (tickets, sequences): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM tickets), (SELECT COUNT(*) FROM ticket_sequences)",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!((tickets, sequences), (0, 0));
    }

    #[tokio::test]
    async fn completing_sets_the_finished_date_and_reopening_clears_it() {
        let (pool, _dir) = test_pool().await;
        let ticket = fixture(&pool).await;
        let (id, _) = create(&pool, &ticket, JAN_2026).await.unwrap();
        let finished = |pool: SqlitePool| async move {
            sqlx::query_as::<_, (String, Option<i64>)>(
                "SELECT status, date_finished FROM tickets WHERE id = ?",
            )
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap()
        };
        set_status(&pool, id, TicketStatus::Ongoing, JAN_2026 + 1)
            .await
            .unwrap();
        assert_eq!(finished(pool.clone()).await, ("ongoing".into(), None));
        set_status(&pool, id, TicketStatus::Completed, JAN_2026 + 2)
            .await
            .unwrap();
        assert_eq!(
            finished(pool.clone()).await,
            ("completed".into(), Some(JAN_2026 + 2))
        );
        // Completing again keeps the first finish time.
        set_status(&pool, id, TicketStatus::Completed, JAN_2026 + 3)
            .await
            .unwrap();
        assert_eq!(finished(pool.clone()).await.1, Some(JAN_2026 + 2));
        set_status(&pool, id, TicketStatus::Pending, JAN_2026 + 4)
            .await
            .unwrap();
        assert_eq!(finished(pool.clone()).await, ("pending".into(), None));
        assert_eq!(
            set_status(&pool, 999, TicketStatus::Ongoing, 0).await,
            Err(AppError::NotFound)
        );
    }
}
