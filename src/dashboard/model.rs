//! What the admin dashboard shows: counts, weekly series and how long tickets take, all
//! worked out by SQL aggregates on the server.

use crate::{tickets::model::TicketStatus, time::Day};
use serde::{Deserialize, Serialize};

/// Weeks in the created-vs-completed chart, this one included.
pub const WEEKS: usize = 12;
/// The window of the time-to-finish tiles.
pub const FINISH_WINDOW_DAYS: i64 = 30;

/// How many assignees the dashboard draws (the list filtered by assignee shows anyone's):
/// a bar for each of the some 60 staff who hold tickets at 1,000 users made the page
/// 115 KB, and it rendered a third slower than before assignment (bench/RESULTS.md).
pub const ASSIGNEE_BARS: i64 = 10;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    /// Tickets in each status, every status listed.
    pub by_status: Vec<(TicketStatus, i64)>,
    /// Monday of this week (UTC).
    pub this_week: Day,
    pub created_this_week: i64,
    pub completed_this_week: i64,
    /// Started-to-finished of the tickets completed in the last `FINISH_WINDOW_DAYS` days
    /// (today included), from `first_day`; `None` when none were.
    pub finish_times: Option<FinishTimes>,
    pub finish_from: Day,
    /// The last `WEEKS` weeks, oldest first.
    pub weeks: Vec<Week>,
    /// Open (pending or ongoing) tickets per department and per request type, most first;
    /// every department and type is listed, with 0 where none are open.
    pub open_by_department: Vec<Bar>,
    pub open_by_type: Vec<Bar>,
    /// Open tickets nobody has taken yet.
    pub open_unassigned: i64,
    /// Open tickets per assignee (those who hold any), most first, at most `ASSIGNEE_BARS`.
    pub open_by_assignee: Vec<Bar>,
    /// Open tickets past a service-level target now.
    pub overdue: i64,
    /// Of the tickets completed in the last `FINISH_WINDOW_DAYS` days, how many met both
    /// their first-response and resolution targets, and how many there were.
    pub targets_met: (i64, i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FinishTimes {
    pub count: i64,
    pub median_ms: i64,
    pub p90_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Week {
    pub monday: Day,
    pub created: i64,
    pub completed: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bar {
    pub id: i64,
    pub name: String,
    pub n: i64,
}

/// The `num/den`-quantile of `n` sorted values, interpolated between the two nearest
/// ranks (as spreadsheets' PERCENTILE.INC does): the median of an even count is the mean
/// of the middle two. `ranked(i)` gives the i-th smallest (from 0). The ranks are worked
/// out in integers, exactly as the SQL that fetches them does.
pub fn quantile(n: i64, num: i64, den: i64, ranked: impl Fn(i64) -> i64) -> i64 {
    let low = (n - 1) * num / den;
    let fraction = ((n - 1) * num % den) as f64 / den as f64;
    let high = (low + 1).min(n - 1);
    let (a, b) = (ranked(low) as f64, ranked(high) as f64);
    (a + fraction * (b - a)).round() as i64
}

/// "3 d 4 h", "5 h 10 min", "12 min": a duration for people.
pub fn duration_text(ms: i64) -> String {
    let minutes = ms / 60_000;
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    match (days, hours) {
        (0, 0) => format!("{mins} min"),
        (0, _) => format!("{hours} h {mins} min"),
        _ => format!("{days} d {hours} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_of_odd_and_even_counts() {
        let odd = [1, 2, 3, 4, 100];
        assert_eq!(quantile(5, 1, 2, |i| odd[i as usize]), 3);
        assert_eq!(quantile(5, 9, 10, |i| odd[i as usize]), 62); // 4 + 0.6 * 96
        let even = [10, 20, 30, 40];
        assert_eq!(quantile(4, 1, 2, |i| even[i as usize]), 25);
        assert_eq!(quantile(4, 9, 10, |i| even[i as usize]), 37); // 30 + 0.7 * 10
        assert_eq!(quantile(1, 9, 10, |_| 7), 7);
    }

    #[test]
    fn durations_for_people() {
        assert_eq!(duration_text(12 * 60_000), "12 min");
        assert_eq!(duration_text(5 * 3_600_000 + 10 * 60_000), "5 h 10 min");
        assert_eq!(duration_text(3 * 86_400_000 + 4 * 3_600_000), "3 d 4 h");
    }
}
