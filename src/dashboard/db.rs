//! The dashboard's aggregates. Counts by status, department and type come from the
//! maintained `ticket_counts`; the weekly series and finish times from range scans of the
//! `tickets_started` and `tickets_finished` indexes (a week is some ten thousand index
//! entries at a million tickets, never the tickets themselves).

use super::model::*;
use crate::base::db::Pool;
use crate::{
    error::AppError,
    tickets::model::TicketStatus,
    time::{DAY_MS, Day, WEEK_MS},
};

pub async fn dashboard(pool: &Pool, now_ms: i64) -> Result<Dashboard, AppError> {
    let today = Day::of_ms(now_ms);
    let this_week = today.week_start();
    let first_week = Day(this_week.0 - 7 * (WEEKS as i64 - 1));
    let finish_from = Day(today.0 - (FINISH_WINDOW_DAYS - 1));
    let weeks = weekly(pool, first_week).await?;
    let last = weeks.last().copied().unwrap_or(Week {
        monday: this_week,
        created: 0,
        completed: 0,
    });
    Ok(Dashboard {
        by_status: by_status(pool).await?,
        this_week,
        created_this_week: last.created,
        completed_this_week: last.completed,
        finish_times: finish_times(pool, finish_from.start_ms(), (today.0 + 1) * DAY_MS).await?,
        finish_from,
        weeks,
        open_by_department: open_by(pool, "departments", "department_id").await?,
        open_by_type: open_by(pool, "request_types", "request_type_id").await?,
        open_unassigned: open_unassigned(pool).await?,
        open_by_assignee: open_by_assignee(pool).await?,
        overdue: sqlx::query_scalar("SELECT COUNT(*) FROM tickets WHERE next_due < $1")
            .bind(now_ms)
            .fetch_one(pool)
            .await?,
        targets_met: targets_met(pool, finish_from.start_ms()).await?,
    })
}

/// Of the tickets completed since `from`: those that met both targets, and all of them
/// (read from one index: `tickets_finished_sla`).
async fn targets_met(pool: &Pool, from: i64) -> Result<(i64, i64), AppError> {
    let (met, all): (Option<i64>, i64) = sqlx::query_as(
        "SELECT CAST(SUM(CASE WHEN resolution_met AND first_response_at <= first_response_due
                              THEN 1 ELSE 0 END) AS BIGINT),
                COUNT(*)
           FROM tickets WHERE date_finished >= $1",
    )
    .bind(from)
    .fetch_one(pool)
    .await?;
    Ok((met.unwrap_or(0), all))
}

async fn by_status(pool: &Pool) -> Result<Vec<(TicketStatus, i64)>, AppError> {
    let rows: Vec<(TicketStatus, i64)> =
        sqlx::query_as("SELECT status, CAST(SUM(n) AS BIGINT) FROM ticket_counts GROUP BY status")
            .fetch_all(pool)
            .await?;
    Ok(TicketStatus::ALL
        .into_iter()
        .map(|s| (s, rows.iter().find(|r| r.0 == s).map_or(0, |r| r.1)))
        .collect())
}

/// Tickets started and tickets finished in each of the `WEEKS` weeks from `first`.
async fn weekly(pool: &Pool, first: Day) -> Result<Vec<Week>, AppError> {
    let (from, to) = (first.start_ms(), first.start_ms() + WEEKS as i64 * WEEK_MS);
    let per_week = |column: &str| {
        format!(
            "SELECT ({column} - $1) / {WEEK_MS}, COUNT(*) FROM tickets
              WHERE {column} >= $1 AND {column} < $2 GROUP BY 1"
        )
    };
    let created: Vec<(i64, i64)> = sqlx::query_as(&per_week("date_started"))
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await?;
    let completed: Vec<(i64, i64)> = sqlx::query_as(&per_week("date_finished"))
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await?;
    let count = |rows: &[(i64, i64)], w: i64| rows.iter().find(|r| r.0 == w).map_or(0, |r| r.1);
    Ok((0..WEEKS as i64)
        .map(|w| Week {
            monday: Day(first.0 + 7 * w),
            created: count(&created, w),
            completed: count(&completed, w),
        })
        .collect())
}

/// Median and 90th percentile of started-to-finished over the tickets finished in
/// `[from, to)`: one sort of those durations, of which SQL returns only the (up to four)
/// ranks the two quantiles need.
async fn finish_times(pool: &Pool, from: i64, to: i64) -> Result<Option<FinishTimes>, AppError> {
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
        "WITH d AS (SELECT date_finished - date_started AS d FROM tickets
                     WHERE date_finished >= $1 AND date_finished < $2),
              r AS (SELECT d, ROW_NUMBER() OVER (ORDER BY d) - 1 AS i, COUNT(*) OVER () AS n
                      FROM d)
         SELECT n, i, d FROM r
          WHERE i IN ((n - 1) / 2, (n - 1) / 2 + 1, (n - 1) * 9 / 10, (n - 1) * 9 / 10 + 1)",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    let Some(&(n, ..)) = rows.first() else {
        return Ok(None);
    };
    let ranked = |i: i64| rows.iter().find(|r| r.1 == i).map_or(0, |r| r.2);
    Ok(Some(FinishTimes {
        count: n,
        median_ms: quantile(n, 1, 2, ranked),
        p90_ms: quantile(n, 9, 10, ranked),
    }))
}

/// Open tickets nobody has taken: from the small index of open tickets by assignee.
const OPEN_UNASSIGNED: &str = "SELECT COUNT(*) FROM tickets
  WHERE status IN ('pending', 'ongoing') AND assignee_id IS NULL";

/// Open tickets per member of staff who holds any, most first, the first
/// `ASSIGNEE_BARS` of them: one lookup in the same
/// index per member (staff are a few percent of users). Someone who holds tickets but is no
/// longer staff is not a bar (the list still finds their tickets by name).
fn open_by_assignee_sql() -> String {
    format!(
        "SELECT id, username, n FROM (
            SELECT u.id, u.username,
                   (SELECT COUNT(*) FROM tickets t
                     WHERE t.assignee_id = u.id AND t.status IN ('pending', 'ongoing')) AS n
              FROM users u
             WHERE u.id IN (SELECT r.user_id FROM user_roles r WHERE r.role IN {})) s
          WHERE n > 0 ORDER BY n DESC, username LIMIT {ASSIGNEE_BARS}",
        crate::auth::db::STAFF_ROLES
    )
}

async fn open_unassigned(pool: &Pool) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(OPEN_UNASSIGNED).fetch_one(pool).await?)
}

async fn open_by_assignee(pool: &Pool) -> Result<Vec<Bar>, AppError> {
    Ok(
        sqlx::query_as::<_, (i64, String, i64)>(&open_by_assignee_sql())
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|(id, name, n)| Bar { id, name, n })
            .collect(),
    )
}

/// Open tickets per entry of a named list, from the counters; `table` and `column` are
/// our own constants.
async fn open_by(pool: &Pool, table: &str, column: &str) -> Result<Vec<Bar>, AppError> {
    Ok(sqlx::query_as::<_, (i64, String, i64)>(&format!(
        "SELECT e.id, e.name, CAST(COALESCE(SUM(k.n), 0) AS BIGINT) AS open FROM {table} e
           LEFT JOIN ticket_counts k ON k.{column} = e.id AND k.status IN ('pending', 'ongoing')
          GROUP BY e.id ORDER BY open DESC, e.name"
    ))
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|(id, name, n)| Bar { id, name, n })
    .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::db::test_pool;

    const HOUR: i64 = 3_600_000;

    /// Wednesday 25 Nov 2026, 12:00 UTC: its week started on Monday the 23rd.
    fn now() -> i64 {
        Day::parse("2026-11-25").unwrap().start_ms() + 12 * HOUR
    }

    fn monday() -> i64 {
        Day::parse("2026-11-23").unwrap().start_ms()
    }

    async fn setup(pool: &Pool) -> (i64, i64, [i64; 5]) {
        sqlx::raw_sql(
            "INSERT INTO users (id, username, email, password_hash, created_at, updated_at)
             VALUES (1, 'ann', 'ann@example.com', 'x', 0, 0);
             INSERT INTO departments (id, name, created_at) VALUES (1, 'Alpha', 0), (2, 'Beta', 0);",
        )
        .execute(pool)
        .await
        .unwrap();
        let kind = |name: &'static str| async move {
            sqlx::query_scalar::<_, i64>("SELECT id FROM request_types WHERE name = $1")
                .bind(name)
                .fetch_one(pool)
                .await
                .unwrap()
        };
        let kinds = [
            kind("Hardware").await,
            kind("Network").await,
            kind("Software").await,
            kind("Account access").await,
            kind("Other").await,
        ];
        (1, 2, kinds)
    }

    /// A ticket started at `started` (and finished at `finished`, which makes it completed).
    async fn ticket(
        pool: &Pool,
        n: i64,
        dept: i64,
        kind: i64,
        status: &str,
        started: i64,
        finished: Option<i64>,
    ) {
        sqlx::query(
            "INSERT INTO tickets (service_request_no, requested_by, request_type_id,
                                  department_id, subject, status, date_started, date_finished)
             VALUES ($1, 1, $2, $3, 'A ticket', $4, $5, $6)",
        )
        .bind(format!("SR-2026-{n:06}"))
        .bind(kind)
        .bind(dept)
        .bind(status)
        .bind(started)
        .bind(finished)
        .execute(pool)
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn every_tile_and_series_matches_the_hand_count() {
        let (pool, _dir) = test_pool().await;
        let (alpha, beta, [hardware, network, software, ..]) = setup(&pool).await;
        let week = 7 * DAY_MS;
        let m = monday();
        // This week: two open, one finished after a day, and last week's finished today.
        ticket(&pool, 1, alpha, hardware, "pending", m + 9 * HOUR, None).await;
        ticket(
            &pool,
            2,
            alpha,
            network,
            "ongoing",
            m + DAY_MS + 10 * HOUR,
            None,
        )
        .await;
        ticket(
            &pool,
            3,
            beta,
            hardware,
            "completed",
            m + 8 * HOUR,
            Some(m + 32 * HOUR),
        )
        .await;
        ticket(
            &pool,
            4,
            beta,
            hardware,
            "completed",
            m - week,
            Some(m + 2 * HOUR),
        )
        .await;
        // Three weeks ago, done in an hour (inside the 30 days); twenty weeks ago (outside
        // both the chart and the 30 days); the chart's first week, still pending.
        ticket(
            &pool,
            5,
            alpha,
            hardware,
            "completed",
            m - 3 * week,
            Some(m - 3 * week + HOUR),
        )
        .await;
        ticket(
            &pool,
            6,
            alpha,
            hardware,
            "completed",
            m - 20 * week,
            Some(m - 20 * week + 2 * HOUR),
        )
        .await;
        ticket(
            &pool,
            7,
            beta,
            software,
            "pending",
            m - 11 * week + 5 * HOUR,
            None,
        )
        .await;

        let d = dashboard(&pool, now()).await.unwrap();
        use TicketStatus::*;
        assert_eq!(d.by_status, [(Pending, 2), (Ongoing, 1), (Completed, 4)]);
        assert_eq!(d.this_week.iso(), "2026-11-23");
        assert_eq!((d.created_this_week, d.completed_this_week), (3, 2));
        assert_eq!(d.weeks.len(), WEEKS);
        assert_eq!(d.weeks[0].monday.iso(), "2026-09-07");
        let series: Vec<(i64, i64)> = d.weeks.iter().map(|w| (w.created, w.completed)).collect();
        let mut expected = vec![(0, 0); WEEKS];
        expected[0] = (1, 0); // ticket 7
        expected[8] = (1, 1); // ticket 5
        expected[10] = (1, 0); // ticket 4 started
        expected[11] = (3, 2); // tickets 1-3 started, 3 and 4 finished
        assert_eq!(series, expected);
        // Finished in the 30 days: 1 h, 24 h and 170 h (7 days and 2 hours).
        assert_eq!(d.finish_from.iso(), "2026-10-27");
        let times = d.finish_times.unwrap();
        assert_eq!(times.count, 3);
        assert_eq!(times.median_ms, 24 * HOUR);
        assert_eq!(times.p90_ms, 24 * HOUR + (146 * HOUR * 8) / 10); // h = 1.8
        let bars = |b: &[Bar]| b.iter().map(|b| (b.name.clone(), b.n)).collect::<Vec<_>>();
        assert_eq!(
            bars(&d.open_by_department),
            [("Alpha".to_string(), 2), ("Beta".to_string(), 1)]
        );
        assert_eq!(
            bars(&d.open_by_type),
            [
                ("Hardware".to_string(), 1),
                ("Network".to_string(), 1),
                ("Software".to_string(), 1),
                ("Account access".to_string(), 0),
                ("Other".to_string(), 0),
            ]
        );

        // Open tickets by assignee: nobody's until taken; a taken one counts for its
        // assignee; a completed one for nobody.
        assert_eq!(d.open_unassigned, 3);
        assert!(d.open_by_assignee.is_empty());
        // An id of its own: the set-up gives ids by hand, which PostgreSQL's sequence
        // does not see.
        let agent: i64 = sqlx::query_scalar(
            "INSERT INTO users (id, username, email, password_hash, created_at, updated_at)
             VALUES (9000, 'aga', 'aga@example.com', 'x', 0, 0) RETURNING id",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, 'agent')")
            .bind(agent)
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("UPDATE tickets SET assignee_id = $1 WHERE id IN (1, 3)")
            .bind(agent)
            .execute(&pool)
            .await
            .unwrap();
        let d = dashboard(&pool, now()).await.unwrap();
        assert_eq!(d.open_unassigned, 2);
        assert_eq!(bars(&d.open_by_assignee), [("aga".to_string(), 1)]);

        // A fourth finished ticket makes the count even: 1, 24, 48 and 170 hours.
        ticket(
            &pool,
            8,
            beta,
            network,
            "completed",
            m - 2 * DAY_MS,
            Some(m),
        )
        .await;
        let times = dashboard(&pool, now()).await.unwrap().finish_times.unwrap();
        assert_eq!(times.count, 4);
        assert_eq!(times.median_ms, 36 * HOUR); // the mean of 24 and 48
        assert_eq!(times.p90_ms, 48 * HOUR + (122 * HOUR * 7) / 10); // h = 2.7
    }

    #[tokio::test]
    async fn an_empty_database_has_zeros_and_no_finish_times() {
        let (pool, _dir) = test_pool().await;
        let d = dashboard(&pool, now()).await.unwrap();
        assert!(d.by_status.iter().all(|(_, n)| *n == 0));
        assert_eq!((d.created_this_week, d.completed_this_week), (0, 0));
        assert_eq!(d.weeks.len(), WEEKS);
        assert!(d.weeks.iter().all(|w| w.created == 0 && w.completed == 0));
        assert_eq!(d.finish_times, None);
        assert!(d.open_by_department.is_empty());
        assert!(d.open_by_type.iter().all(|b| b.n == 0));
        assert_eq!(d.open_unassigned, 0);
        assert!(d.open_by_assignee.is_empty());
    }

    /// Each query reads an index, never the tickets table (where two indexes would do, either).
    #[tokio::test]
    async fn the_range_queries_read_indexes_only() {
        let (pool, _dir) = crate::base::db::sqlite_test_pool().await;
        let by_assignee = open_by_assignee_sql();
        for (sql, index) in [
            (
                "SELECT COUNT(*) FROM tickets WHERE date_started >= 0 AND date_started < 1",
                &["tickets_started"][..],
            ),
            (
                "SELECT COUNT(*) FROM tickets WHERE date_finished >= 0 AND date_finished < 1",
                &["tickets_finished"],
            ),
            // The open ones, or all by assignee and status (migration 0019).
            (
                OPEN_UNASSIGNED,
                &["tickets_open_assignee", "tickets_assignee_status"],
            ),
            (
                by_assignee.as_str(),
                &["tickets_open_assignee", "tickets_assignee_status"],
            ),
            (
                "SELECT date_finished - date_started FROM tickets WHERE date_finished >= 0 AND date_finished < 1",
                &["tickets_finished"],
            ),
        ] {
            let plan: Vec<(i64, i64, i64, String)> =
                sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}"))
                    .fetch_all(&pool)
                    .await
                    .unwrap();
            let plan: Vec<&str> = plan.iter().map(|r| r.3.as_str()).collect();
            assert!(
                plan.iter().any(|p| index
                    .iter()
                    .any(|i| p.contains(&format!("COVERING INDEX {i}")))),
                "{sql}: {plan:?}"
            );
        }
    }
}
