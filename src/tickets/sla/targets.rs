//! Each ticket's due times, from the policy of its priority and the business hours: worked
//! out when a ticket is filed, reprioritised, completed or reopened, and for every open
//! ticket when a policy or the hours change (as if the new ones had always applied).

use super::business_hours::Schedule;
use super::model::{Policy, ServiceLevels, Window};
use crate::base::db::{Backend, Conn, Pool, begin_write};
use crate::error::AppError;
use crate::tickets::model::Priority;
use jiff::{SignedDuration, Timestamp};

/// The policies and the schedule, read for one change.
pub struct Targets {
    policies: Vec<Policy>,
    /// None only if the stored hours cannot be read (then business hours count as calendar
    /// time rather than stopping every clock).
    schedule: Option<Schedule>,
}

/// A ticket's two due times (unix ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dues {
    pub first_response: i64,
    pub resolution: i64,
}

/// The default, and the policy of a priority missing from the table (never, by migration).
const FALLBACK: Policy = Policy {
    priority: Priority::Normal,
    first_response_minutes: 24 * 60,
    resolution_minutes: 3 * 24 * 60,
    business_hours: false,
};

impl Targets {
    pub async fn load(conn: &mut Conn) -> Result<Targets, AppError> {
        Ok(Targets::of(&read(conn).await?))
    }

    pub fn of(levels: &ServiceLevels) -> Targets {
        let holidays = levels.holidays.iter().filter_map(|d| d.parse().ok());
        let schedule = Schedule::new(&levels.zone, levels.week.clone(), holidays)
            .inspect_err(|e| tracing::error!(?e, "the stored business hours are not valid"))
            .ok();
        Targets {
            policies: levels.policies.clone(),
            schedule,
        }
    }

    fn policy(&self, priority: Priority) -> Policy {
        self.policies
            .iter()
            .find(|p| p.priority == priority)
            .copied()
            .unwrap_or(FALLBACK)
    }

    fn hours(&self, priority: Priority) -> Option<&Schedule> {
        self.schedule
            .as_ref()
            .filter(|_| self.policy(priority).business_hours)
    }

    /// `ms` of target time after `from`: on the clock, or in business hours.
    fn add(&self, priority: Priority, from: i64, ms: i64) -> i64 {
        let calendar = from.saturating_add(ms);
        let Some(schedule) = self.hours(priority) else {
            return calendar;
        };
        let (Ok(start), duration) = (
            Timestamp::from_millisecond(from),
            SignedDuration::from_millis(ms),
        ) else {
            return calendar;
        };
        schedule
            .add(start, duration)
            .map_or(calendar, |due| due.as_millisecond())
    }

    /// A ticket of `priority` filed (or reprioritised as if filed) at `from`.
    pub fn dues(&self, priority: Priority, from: i64) -> Dues {
        let p = self.policy(priority);
        Dues {
            first_response: self.add(priority, from, p.first_response_minutes * 60_000),
            resolution: self.add(priority, from, p.resolution_minutes * 60_000),
        }
    }

    /// At `now`, the target time left until `due`: business time where the policy counts
    /// it; negative (on the clock) when late.
    pub fn left(&self, priority: Priority, now: i64, due: i64) -> i64 {
        if due <= now {
            return due - now;
        }
        match (
            self.hours(priority),
            Timestamp::from_millisecond(now),
            Timestamp::from_millisecond(due),
        ) {
            (Some(schedule), Ok(a), Ok(b)) => schedule.between(a, b).as_millis() as i64,
            _ => due - now,
        }
    }

    /// Reopened at `now` with `left` of the resolution target unused: its new due time (a
    /// late ticket stays as late as it was).
    pub fn resume(&self, priority: Priority, now: i64, left: i64) -> i64 {
        if left <= 0 {
            now + left
        } else {
            self.add(priority, now, left)
        }
    }
}

/// The end of the local day of `now` in `zone` (unix ms); UTC's when the zone is unknown.
pub fn end_of_day(zone: &str, now: i64) -> i64 {
    let zone = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
    Timestamp::from_millisecond(now)
        .ok()
        .and_then(|t| zone.to_datetime(t).date().tomorrow().ok())
        .and_then(|d| {
            zone.to_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
                .ok()
        })
        .map_or(now + 86_400_000, |t| t.as_millisecond())
}

/// The policies (urgent first) and the hours as stored.
pub async fn read(conn: &mut Conn) -> Result<ServiceLevels, AppError> {
    let mut policies: Vec<Policy> = sqlx::query_as(
        "SELECT priority, first_response_minutes, resolution_minutes, business_hours
           FROM sla_policies",
    )
    .fetch_all(&mut *conn)
    .await?;
    policies
        .sort_by_key(|p| std::cmp::Reverse(Priority::ALL.iter().position(|x| *x == p.priority)));
    let (zone, week, holidays): (String, String, String) =
        sqlx::query_as("SELECT zone, week, holidays FROM business_hours WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?;
    let week: [Vec<Window>; 7] = serde_json::from_str(&week).map_err(|e| {
        tracing::error!(error = %e, "business_hours.week");
        AppError::Internal
    })?;
    let holidays: Vec<String> = serde_json::from_str(&holidays).map_err(|e| {
        tracing::error!(error = %e, "business_hours.holidays");
        AppError::Internal
    })?;
    Ok(ServiceLevels {
        policies,
        zone,
        week,
        holidays,
    })
}

/// How many open tickets one transaction of `recompute_open` rewrites: bounded, so other
/// writers wait for one batch at most, not for all of them.
const BATCH: i64 = 2_000;

/// Every open ticket's due times again, from when it was filed, under `targets` (after a
/// policy or the hours changed). Returns how many tickets it rewrote.
pub async fn recompute_open(pool: &Pool, targets: &Targets) -> Result<u64, AppError> {
    let b = Backend::of(pool);
    let (mut after, mut done) = (0_i64, 0_u64);
    loop {
        let mut tx = begin_write(pool).await?;
        let open: Vec<(i64, Priority, i64)> = sqlx::query_as(
            "SELECT id, priority, date_started FROM tickets
              WHERE status <> 'completed' AND id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
        let Some(last) = open.last() else { break };
        after = last.0;
        let rows: Vec<[i64; 3]> = open
            .iter()
            .map(|&(id, priority, started)| {
                let d = targets.dues(priority, started);
                [id, d.first_response, d.resolution]
            })
            .collect();
        let rows = serde_json::to_string(&rows).map_err(|_| AppError::Internal)?;
        sqlx::query(&format!(
            "UPDATE tickets SET first_response_due = CAST(j.value ->> 1 AS BIGINT),
                                resolution_due = CAST(j.value ->> 2 AS BIGINT)
               FROM {} WHERE tickets.id = CAST(j.value ->> 0 AS BIGINT)",
            b.json_rows("$1")
        ))
        .bind(rows)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        done += open.len() as u64;
        if (open.len() as i64) < BATCH {
            break;
        }
    }
    Ok(done)
}
