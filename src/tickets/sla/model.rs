//! Service levels as pages show and forms post them: a policy per priority (how soon the
//! first answer and the resolution are due) and the one business-hours schedule.

use crate::error::{AppError, FieldError};
use crate::tickets::model::Priority;
use serde::{Deserialize, Serialize};

/// The longest target: a year.
pub const MAX_TARGET_MINUTES: i64 = 365 * 24 * 60;

/// Units a target is written in, with their length in minutes.
pub const UNITS: [(&str, &str, i64); 3] = [
    ("minutes", "minutes", 1),
    ("hours", "hours", 60),
    ("days", "days (24 h)", 24 * 60),
];

/// The weekdays as forms name them, Monday first (as the schedule holds them).
pub const WEEKDAYS: [(&str, &str); 7] = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
];

/// The most holidays a schedule lists (ten years of public holidays is a few hundred).
pub const MAX_HOLIDAYS: usize = 1_000;

/// Opening hours on one day: `[start, end)` in minutes after local midnight.
pub type Window = (u16, u16);

/// One priority's targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Policy {
    pub priority: Priority,
    pub first_response_minutes: i64,
    pub resolution_minutes: i64,
    /// Counted in business hours (else in calendar time).
    #[cfg_attr(feature = "ssr", sqlx(try_from = "crate::base::db::Flag"))]
    pub business_hours: bool,
}

/// The policies and the hours, as the admin page shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceLevels {
    /// Urgent first.
    pub policies: Vec<Policy>,
    pub zone: String,
    pub week: [Vec<Window>; 7],
    /// `YYYY-MM-DD`, in order.
    pub holidays: Vec<String>,
}

/// `minutes` as a number and a unit (the largest that divides it).
pub fn split_target(minutes: i64) -> (i64, &'static str) {
    UNITS
        .iter()
        .rev()
        .find(|(_, _, m)| minutes % m == 0)
        .map_or((minutes, "minutes"), |(unit, _, m)| (minutes / m, *unit))
}

/// `minutes` for people: "1 h", "3 days", "90 min".
pub fn target_text(minutes: i64) -> String {
    match split_target(minutes) {
        (n, "days") => format!("{n} {}", if n == 1 { "day" } else { "days" }),
        (n, "hours") => format!("{n} h"),
        (n, _) => format!("{n} min"),
    }
}

/// A target as typed: a whole number and a unit.
fn parse_target(number: &str, unit: &str) -> Result<i64, String> {
    let per = UNITS
        .iter()
        .find(|(u, _, _)| *u == unit.trim())
        .map(|(_, _, m)| *m)
        .ok_or("Choose minutes, hours or days.")?;
    let n: i64 = number
        .trim()
        .parse()
        .map_err(|_| "Give a whole number.".to_string())?;
    match n.checked_mul(per) {
        Some(m) if (1..=MAX_TARGET_MINUTES).contains(&m) => Ok(m),
        _ => Err("A target is between 1 minute and 365 days.".into()),
    }
}

/// The policies form: each priority's two targets (number and unit) and its box.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoliciesForm {
    pub urgent_first: String,
    pub urgent_first_unit: String,
    pub urgent_resolution: String,
    pub urgent_resolution_unit: String,
    pub urgent_business: Option<String>,
    pub high_first: String,
    pub high_first_unit: String,
    pub high_resolution: String,
    pub high_resolution_unit: String,
    pub high_business: Option<String>,
    pub normal_first: String,
    pub normal_first_unit: String,
    pub normal_resolution: String,
    pub normal_resolution_unit: String,
    pub normal_business: Option<String>,
    pub low_first: String,
    pub low_first_unit: String,
    pub low_resolution: String,
    pub low_resolution_unit: String,
    pub low_business: Option<String>,
}

impl PoliciesForm {
    /// Every policy, or every field's message (nothing is stored unless all are right).
    pub fn parse(&self) -> Result<Vec<Policy>, AppError> {
        let rows = [
            (
                Priority::Urgent,
                [&self.urgent_first, &self.urgent_first_unit],
                [&self.urgent_resolution, &self.urgent_resolution_unit],
                &self.urgent_business,
            ),
            (
                Priority::High,
                [&self.high_first, &self.high_first_unit],
                [&self.high_resolution, &self.high_resolution_unit],
                &self.high_business,
            ),
            (
                Priority::Normal,
                [&self.normal_first, &self.normal_first_unit],
                [&self.normal_resolution, &self.normal_resolution_unit],
                &self.normal_business,
            ),
            (
                Priority::Low,
                [&self.low_first, &self.low_first_unit],
                [&self.low_resolution, &self.low_resolution_unit],
                &self.low_business,
            ),
        ];
        let mut errors = Vec::new();
        let mut policies = Vec::new();
        for (priority, [first, first_unit], [resolution, resolution_unit], business) in rows {
            let p = priority.as_str();
            let first = parse_target(first, first_unit).map_err(|m| (format!("{p}_first"), m));
            let resolution = parse_target(resolution, resolution_unit)
                .map_err(|m| (format!("{p}_resolution"), m));
            match (first, resolution) {
                (Ok(first), Ok(resolution)) if resolution < first => errors.push(FieldError {
                    field: format!("{p}_resolution"),
                    message: "Resolution cannot be due before the first response.".into(),
                }),
                (Ok(first_response_minutes), Ok(resolution_minutes)) => policies.push(Policy {
                    priority,
                    first_response_minutes,
                    resolution_minutes,
                    business_hours: business.is_some(),
                }),
                (a, b) => {
                    for (field, message) in [a.err(), b.err()].into_iter().flatten() {
                        errors.push(FieldError { field, message });
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok(policies)
        } else {
            Err(AppError::Validation(errors))
        }
    }
}

/// The business-hours form: the zone, each day's hours ("09:00-17:00", several separated
/// by commas, empty for closed) and the holidays (a date a line).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoursForm {
    pub zone: String,
    pub mon: String,
    pub tue: String,
    pub wed: String,
    pub thu: String,
    pub fri: String,
    pub sat: String,
    pub sun: String,
    pub holidays: String,
}

/// A business-hours schedule as posted, parsed (the zone is checked on the server, which
/// holds the time-zone database).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoursInput {
    pub zone: String,
    pub week: [Vec<Window>; 7],
    pub holidays: Vec<String>,
}

impl HoursForm {
    pub fn parse(&self) -> Result<HoursInput, AppError> {
        let days = [
            &self.mon, &self.tue, &self.wed, &self.thu, &self.fri, &self.sat, &self.sun,
        ];
        let mut errors = Vec::new();
        let mut week: [Vec<Window>; 7] = Default::default();
        for (i, text) in days.into_iter().enumerate() {
            match parse_day(text) {
                Ok(windows) => week[i] = windows,
                Err(message) => errors.push(FieldError {
                    field: WEEKDAYS[i].0.into(),
                    message,
                }),
            }
        }
        if errors.is_empty() && week.iter().all(Vec::is_empty) {
            errors.push(FieldError {
                field: "mon".into(),
                message: "Open on at least one day of the week.".into(),
            });
        }
        let holidays = parse_holidays(&self.holidays);
        if let Err(message) = &holidays {
            errors.push(FieldError {
                field: "holidays".into(),
                message: message.clone(),
            });
        }
        let zone = self.zone.trim();
        if zone.is_empty() || zone.len() > 64 {
            errors.push(FieldError {
                field: "zone".into(),
                message: "Give a time zone of the IANA database, e.g. Europe/Berlin.".into(),
            });
        }
        match holidays {
            Ok(holidays) if errors.is_empty() => Ok(HoursInput {
                zone: zone.to_string(),
                week,
                holidays,
            }),
            _ => Err(AppError::Validation(errors)),
        }
    }
}

/// "09:00-12:00, 13:00-17:00" as windows; empty: closed.
fn parse_day(text: &str) -> Result<Vec<Window>, String> {
    let mut windows = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (open, close) = part
            .split_once(['-', '–'])
            .ok_or_else(|| format!("Write hours as 09:00-17:00 (not {part:?})."))?;
        let (open, close) = (parse_clock(open)?, parse_clock(close)?);
        if close <= open {
            return Err("Each closing time must come after its opening time.".into());
        }
        windows.push((open, close));
    }
    windows.sort_unstable();
    if windows.windows(2).any(|w| w[1].0 < w[0].1) {
        return Err("A day's opening hours may not overlap.".into());
    }
    if windows.len() > 8 {
        return Err("At most 8 opening spans a day.".into());
    }
    Ok(windows)
}

/// "09:00" as minutes after midnight ("24:00": the end of the day).
fn parse_clock(text: &str) -> Result<u16, String> {
    let bad = || format!("{:?} is not a time like 09:00.", text.trim());
    let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m >= 60 || h > 24 || (h == 24 && m > 0) || text.trim().len() > 5 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

/// One date a line (`YYYY-MM-DD`, anything after it a name for people), sorted, each once.
fn parse_holidays(text: &str) -> Result<Vec<String>, String> {
    let mut days = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if days.len() >= MAX_HOLIDAYS {
            return Err(format!("List at most {MAX_HOLIDAYS} holidays."));
        }
        let date = line.split_whitespace().next().unwrap_or_default();
        let day = crate::time::Day::parse(date)
            .ok_or_else(|| format!("{date:?} is not a date like 2026-12-25."))?;
        days.push(day.iso());
    }
    days.sort_unstable();
    days.dedup();
    Ok(days)
}

/// A day's windows as the form shows them.
pub fn day_text(windows: &[Window]) -> String {
    let clock = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
    windows
        .iter()
        .map(|&(a, b)| format!("{}-{}", clock(a), clock(b)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A due time relative to now, to the minute: "due in 3 h", "overdue by 2 days".
pub fn due_text(left_ms: i64) -> String {
    let minutes = (left_ms.unsigned_abs() / 60_000).max(1);
    let (n, unit) = if minutes < 60 {
        (minutes, " min")
    } else if minutes < 48 * 60 {
        (minutes / 60, " h")
    } else {
        (minutes / (24 * 60), " days")
    };
    // Written by hand: a list shows one per row (`format!` was most of its cost).
    let mut s = String::with_capacity(20);
    s.push_str(if left_ms >= 0 {
        "due in "
    } else {
        "overdue by "
    });
    s.push_str(&n.to_string());
    s.push_str(unit);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_times_read_to_the_minute() {
        assert_eq!(due_text(3 * 3_600_000 + 5), "due in 3 h");
        assert_eq!(due_text(20_000), "due in 1 min");
        assert_eq!(due_text(59 * 60_000), "due in 59 min");
        assert_eq!(due_text(-2 * 86_400_000 - 1), "overdue by 2 days");
        assert_eq!(due_text(-1), "overdue by 1 min");
        assert_eq!(due_text(47 * 3_600_000), "due in 47 h");
    }

    #[test]
    fn targets_read_in_units_and_show_in_the_largest() {
        assert_eq!(parse_target("4", "hours"), Ok(240));
        assert_eq!(parse_target(" 3 ", "days"), Ok(3 * 1440));
        assert!(parse_target("0", "minutes").is_err());
        assert!(parse_target("366", "days").is_err());
        assert!(parse_target("1.5", "hours").is_err());
        assert!(parse_target("9223372036854775807", "days").is_err());
        assert!(parse_target("1", "weeks").is_err());
        assert_eq!(split_target(1440), (1, "days"));
        assert_eq!(split_target(90), (90, "minutes"));
        assert_eq!(target_text(240), "4 h");
        assert_eq!(target_text(4320), "3 days");
    }

    #[test]
    fn hours_forms_name_the_field_that_is_wrong() {
        let mut form = HoursForm {
            zone: "Europe/Berlin".into(),
            mon: "09:00-12:00, 13:00-17:00".into(),
            fri: "08:30–16:00".into(),
            holidays: "2026-12-25 Christmas\n\n2026-01-01\n2026-12-25".into(),
            ..Default::default()
        };
        let input = form.parse().unwrap();
        assert_eq!(input.week[0], [(540, 720), (780, 1020)]);
        assert_eq!(input.week[4], [(510, 960)]);
        assert_eq!(input.holidays, ["2026-01-01", "2026-12-25"]);
        assert_eq!(day_text(&input.week[0]), "09:00-12:00, 13:00-17:00");
        form.tue = "17:00-09:00".into();
        form.wed = "9-5".into();
        form.holidays = "2026-02-30".into();
        let err = form.parse().unwrap_err();
        assert!(err.for_field("tue").unwrap().contains("after its opening"));
        assert!(
            err.for_field("wed")
                .unwrap()
                .contains("not a time like 09:00")
        );
        assert!(err.for_field("holidays").unwrap().contains("2026-02-30"));
        let many = (0..10_000)
            .map(|i| crate::time::Day(20_000 + i).iso())
            .collect::<Vec<_>>();
        form.holidays = many.join("\n");
        (form.tue, form.wed) = (String::new(), String::new());
        assert!(
            form.parse()
                .unwrap_err()
                .for_field("holidays")
                .unwrap()
                .contains("at most 1000")
        );
        let closed = HoursForm {
            zone: "UTC".into(),
            ..Default::default()
        };
        assert!(closed.parse().unwrap_err().for_field("mon").is_some());
    }

    #[test]
    fn policies_need_every_target_and_resolution_after_first_response() {
        let mut form = PoliciesForm::default();
        for (first, resolution) in [
            (&mut form.urgent_first, &mut form.urgent_resolution),
            (&mut form.high_first, &mut form.high_resolution),
            (&mut form.normal_first, &mut form.normal_resolution),
            (&mut form.low_first, &mut form.low_resolution),
        ] {
            (*first, *resolution) = ("1".into(), "2".into());
        }
        for unit in [
            &mut form.urgent_first_unit,
            &mut form.urgent_resolution_unit,
            &mut form.high_first_unit,
            &mut form.high_resolution_unit,
            &mut form.normal_first_unit,
            &mut form.normal_resolution_unit,
            &mut form.low_first_unit,
            &mut form.low_resolution_unit,
        ] {
            *unit = "hours".into();
        }
        form.low_business = Some("on".into());
        let policies = form.parse().unwrap();
        assert_eq!(policies.len(), 4);
        assert!(policies[3].business_hours && !policies[0].business_hours);
        form.high_resolution = "30".into();
        form.high_resolution_unit = "minutes".into();
        form.normal_first = "".into();
        let err = form.parse().unwrap_err();
        assert!(
            err.for_field("high_resolution")
                .unwrap()
                .contains("before the first")
        );
        assert!(err.for_field("normal_first").is_some());
    }
}
