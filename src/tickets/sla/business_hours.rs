//! Business-hours arithmetic for SLA targets: when a target of so much working time, started
//! at an instant, falls due; and how much working time lies between two instants. Pure: no
//! database, no clock (callers pass instants in).
//!
//! A schedule is a weekly pattern of opening hours on the wall clock of a named time zone
//! (the IANA database, bundled), less a list of holidays. Opening hours are wall-clock
//! times, so a window keeps its local times across daylight-saving changes and its length
//! in real time follows the change (01:00-05:00 is 3 h on the night clocks go forward).
//! Due times are computed from the schedule in force when asked: change the schedule and
//! the open tickets' due times follow it (as if it had always applied), with no stored
//! state to migrate.

use jiff::{
    SignedDuration, Timestamp,
    civil::{Date, Time, Weekday},
    tz::TimeZone,
};
use std::collections::BTreeSet;

pub use super::model::{MAX_HOLIDAYS, Window};

/// How far ahead a due time is looked for before giving up: a target that needs more
/// than this of the schedule's calendar is refused rather than walked day by day forever.
const HORIZON_DAYS: i64 = 3_660;

/// A weekly schedule of opening hours in a time zone, less holidays.
#[derive(Debug, Clone)]
pub struct Schedule {
    zone: TimeZone,
    /// Monday first.
    week: [Vec<Window>; 7],
    holidays: BTreeSet<Date>,
}

/// What is wrong with a schedule, and in which of its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleError {
    pub field: &'static str,
    pub message: String,
}

fn refused(field: &'static str, message: impl Into<String>) -> ScheduleError {
    ScheduleError {
        field,
        message: message.into(),
    }
}

impl Schedule {
    /// `zone`: an IANA name such as `Europe/Berlin`; `week`: each weekday's windows, Monday
    /// first, as minutes after midnight (24 * 60 for midnight at the end of the day).
    pub fn new(
        zone: &str,
        week: [Vec<Window>; 7],
        holidays: impl IntoIterator<Item = Date>,
    ) -> Result<Schedule, ScheduleError> {
        let zone = TimeZone::get(zone.trim()).map_err(|_| {
            refused(
                "time_zone",
                format!(
                    "{:?} is not a time zone of the IANA database (e.g. Europe/Berlin).",
                    zone.trim()
                ),
            )
        })?;
        let mut week = week;
        for day in &mut week {
            day.sort_unstable();
            for &(start, end) in day.iter() {
                if end <= start {
                    return Err(refused(
                        "hours",
                        "Each closing time must come after its opening time.",
                    ));
                }
                if end > 24 * 60 {
                    return Err(refused(
                        "hours",
                        "A day's hours end at midnight (24:00) at the latest.",
                    ));
                }
            }
            if day.windows(2).any(|w| w[1].0 < w[0].1) {
                return Err(refused("hours", "A day's opening hours may not overlap."));
            }
        }
        if week.iter().all(Vec::is_empty) {
            return Err(refused("hours", "Open on at least one day of the week."));
        }
        let holidays: BTreeSet<Date> = holidays.into_iter().collect();
        if holidays.len() > MAX_HOLIDAYS {
            return Err(refused(
                "holidays",
                format!("List at most {MAX_HOLIDAYS} holidays."),
            ));
        }
        Ok(Schedule {
            zone,
            week,
            holidays,
        })
    }

    /// The opening windows of local `date` as instants (none on a holiday).
    fn windows_of(&self, date: Date) -> Vec<(Timestamp, Timestamp)> {
        if self.holidays.contains(&date) {
            return Vec::new();
        }
        let at = |minutes: u16| -> Option<Timestamp> {
            let local = if minutes >= 24 * 60 {
                date.tomorrow().ok()?.to_datetime(Time::midnight())
            } else {
                date.to_datetime(Time::new((minutes / 60) as i8, (minutes % 60) as i8, 0, 0).ok()?)
            };
            // A time the clocks skip (spring forward) is read as if the clocks had not yet
            // changed, so it lands after the gap; one they pass twice (fall back) is its
            // first occurrence (jiff's "compatible" reading, as RFC 5545 and Temporal).
            self.zone.to_timestamp(local).ok()
        };
        self.week[weekday_index(date.weekday())]
            .iter()
            .filter_map(|&(start, end)| Some((at(start)?, at(end)?)))
            .filter(|(start, end)| start < end)
            .collect()
    }

    fn local_date(&self, at: Timestamp) -> Date {
        self.zone.to_datetime(at).date()
    }

    /// The instant `target` of working time after `start`, or None when the schedule
    /// does not hold that much within ten years.
    pub fn add(&self, start: Timestamp, target: SignedDuration) -> Option<Timestamp> {
        let mut left = target;
        if left <= SignedDuration::ZERO {
            return Some(start);
        }
        let mut date = self.local_date(start);
        for _ in 0..HORIZON_DAYS {
            for (open, close) in self.windows_of(date) {
                let from = open.max(start);
                if from >= close {
                    continue;
                }
                let span = close.duration_since(from);
                if span >= left {
                    return from.checked_add(left).ok();
                }
                left -= span;
            }
            date = date.tomorrow().ok()?;
        }
        None
    }

    /// The working time between `from` and `to` (zero when `to` is not after `from`).
    pub fn between(&self, from: Timestamp, to: Timestamp) -> SignedDuration {
        let mut total = SignedDuration::ZERO;
        if to <= from {
            return total;
        }
        let (mut date, last) = (self.local_date(from), self.local_date(to));
        while date <= last {
            for (open, close) in self.windows_of(date) {
                let (a, b) = (open.max(from), close.min(to));
                if a < b {
                    total += b.duration_since(a);
                }
            }
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
        total
    }
}

fn weekday_index(day: Weekday) -> usize {
    day.to_monday_zero_offset() as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    const NINE_TO_FIVE: Window = (9 * 60, 17 * 60);

    /// Monday to Friday, 09:00-17:00, in Berlin.
    fn office(holidays: &[&str]) -> Schedule {
        let day = || vec![NINE_TO_FIVE];
        Schedule::new(
            "Europe/Berlin",
            [day(), day(), day(), day(), day(), vec![], vec![]],
            holidays.iter().map(|d| d.parse::<Date>().unwrap()),
        )
        .unwrap()
    }

    /// An instant written as Berlin wall-clock time.
    fn berlin(local: &str) -> Timestamp {
        TimeZone::get("Europe/Berlin")
            .unwrap()
            .to_timestamp(local.parse().unwrap())
            .unwrap()
    }

    fn utc(instant: &str) -> Timestamp {
        instant.parse().unwrap()
    }

    fn hours(n: i64) -> SignedDuration {
        SignedDuration::from_hours(n)
    }

    #[test]
    fn overnight_the_clock_stops_at_closing_and_goes_on_at_opening() {
        // Monday 16:00 + 4 h: one hour on Monday, three on Tuesday.
        let s = office(&[]);
        assert_eq!(
            s.add(berlin("2026-12-07T16:00"), hours(4)),
            Some(berlin("2026-12-08T12:00"))
        );
        // Started at night, the clock starts at opening.
        assert_eq!(
            s.add(berlin("2026-12-08T03:00"), hours(1)),
            Some(berlin("2026-12-08T10:00"))
        );
    }

    #[test]
    fn weekends_do_not_count() {
        // Friday 15:00 + 4 h: two hours on Friday, two on Monday.
        let s = office(&[]);
        assert_eq!(
            s.add(berlin("2026-12-11T15:00"), hours(4)),
            Some(berlin("2026-12-14T11:00"))
        );
        // Filed on Saturday: Monday 10:00.
        assert_eq!(
            s.add(berlin("2026-12-12T11:00"), hours(1)),
            Some(berlin("2026-12-14T10:00"))
        );
        assert_eq!(
            s.between(berlin("2026-12-11T16:00"), berlin("2026-12-14T10:00")),
            hours(2)
        );
    }

    #[test]
    fn holidays_do_not_count() {
        // Wednesday 23 Dec 16:00 + 2 h, with the 24th and 25th off: one hour on the 23rd,
        // the holidays and the weekend skipped, one hour on Monday the 28th.
        let s = office(&["2026-12-24", "2026-12-25"]);
        assert_eq!(
            s.add(berlin("2026-12-23T16:00"), hours(2)),
            Some(berlin("2026-12-28T10:00"))
        );
    }

    #[test]
    fn the_spring_change_shortens_the_weekend_by_an_hour_not_the_working_day() {
        // Berlin goes from 02:00 CET to 03:00 CEST on Sunday 29 March 2026. Friday 16:00 CET
        // (15:00 UTC) + 2 h: one hour on Friday, one from 09:00 CEST (07:00 UTC) on Monday.
        let s = office(&[]);
        assert_eq!(
            s.add(utc("2026-03-27T15:00Z"), hours(2)),
            Some(utc("2026-03-30T08:00Z"))
        );
        // A window across the change is shorter in real time: 01:00-05:00 that night is 3 h.
        let night = Schedule::new(
            "Europe/Berlin",
            std::array::from_fn(|_| vec![(60, 5 * 60)]),
            [],
        )
        .unwrap();
        assert_eq!(
            night.between(berlin("2026-03-29T00:00"), berlin("2026-03-29T12:00")),
            hours(3)
        );
        // So 4 h from Saturday noon end an hour into Monday's window: 02:00 CEST.
        assert_eq!(
            night.add(berlin("2026-03-28T12:00"), hours(4)),
            Some(berlin("2026-03-30T02:00"))
        );
    }

    #[test]
    fn the_autumn_change_lengthens_the_night_window_and_keeps_office_hours() {
        // Back from 03:00 CEST to 02:00 CET on Sunday 25 October 2026. Friday 16:00 CEST
        // (14:00 UTC) + 2 h: Monday 10:00 CET is 09:00 UTC.
        let s = office(&[]);
        assert_eq!(
            s.add(utc("2026-10-23T14:00Z"), hours(2)),
            Some(utc("2026-10-26T09:00Z"))
        );
        let night = Schedule::new(
            "Europe/Berlin",
            std::array::from_fn(|_| vec![(60, 5 * 60)]),
            [],
        )
        .unwrap();
        // 01:00 CEST to 05:00 CET: 5 h of real time.
        assert_eq!(
            night.between(utc("2026-10-24T22:00Z"), utc("2026-10-25T12:00Z")),
            hours(5)
        );
    }

    #[test]
    fn a_target_longer_than_a_week() {
        // 50 working hours from Monday 7 Dec 09:00: 40 that week, 8 on Monday the 14th,
        // 2 on Tuesday the 15th.
        let s = office(&[]);
        assert_eq!(
            s.add(berlin("2026-12-07T09:00"), hours(50)),
            Some(berlin("2026-12-15T11:00"))
        );
        assert_eq!(
            s.between(berlin("2026-12-07T09:00"), berlin("2026-12-15T11:00")),
            hours(50)
        );
    }

    #[test]
    fn a_changed_schedule_moves_the_due_time_of_open_tickets() {
        // Due times are computed from the schedule in force: 8 h from Monday 09:00 is
        // Monday 17:00 under 09:00-17:00, Tuesday 13:00 once the hours become 09:00-13:00.
        let start = berlin("2026-12-07T09:00");
        assert_eq!(
            office(&[]).add(start, hours(8)),
            Some(berlin("2026-12-07T17:00"))
        );
        let day = || vec![(9 * 60, 13 * 60)];
        let mornings = Schedule::new(
            "Europe/Berlin",
            [day(), day(), day(), day(), day(), vec![], vec![]],
            [],
        )
        .unwrap();
        assert_eq!(
            mornings.add(start, hours(8)),
            Some(berlin("2026-12-08T13:00"))
        );
    }

    #[test]
    fn other_zones_and_split_days() {
        // New York, a lunch break: 09:00-12:00 and 13:00-17:00.
        let day = || vec![(13 * 60, 17 * 60), (9 * 60, 12 * 60)];
        let s = Schedule::new(
            "America/New_York",
            [day(), day(), day(), day(), day(), vec![], vec![]],
            [],
        )
        .unwrap();
        // Monday 11:00 EST (16:00 UTC) + 2 h: 11-12, then 13-14 EST = 19:00 UTC.
        assert_eq!(
            s.add(utc("2026-12-07T16:00Z"), hours(2)),
            Some(utc("2026-12-07T19:00Z"))
        );
    }

    #[test]
    fn bad_schedules_are_refused_naming_the_field() {
        let day = || vec![NINE_TO_FIVE];
        let week = || [day(), day(), day(), day(), day(), vec![], vec![]];
        let field = |r: Result<Schedule, ScheduleError>| r.unwrap_err().field;
        assert_eq!(
            field(Schedule::new("Mars/Olympus_Mons", week(), [])),
            "time_zone"
        );
        let backwards = [
            vec![(17 * 60, 9 * 60)],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
        ];
        assert_eq!(field(Schedule::new("UTC", backwards, [])), "hours");
        let overlapping = [
            vec![(9 * 60, 13 * 60), (12 * 60, 17 * 60)],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
        ];
        assert_eq!(field(Schedule::new("UTC", overlapping, [])), "hours");
        assert_eq!(field(Schedule::new("UTC", Default::default(), [])), "hours");
        let first: Date = "2000-01-01".parse().unwrap();
        let many = (0..10_000).map(|i| first.checked_add(jiff::Span::new().days(i)).unwrap());
        assert_eq!(field(Schedule::new("UTC", week(), many)), "holidays");
    }

    #[test]
    fn a_schedule_closed_on_every_listed_day_gives_up_instead_of_looping() {
        // Open on Mondays only, and every Monday for the next years a holiday.
        let mondays = [
            vec![NINE_TO_FIVE],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
        ];
        let first: Date = "2026-12-07".parse().unwrap();
        let holidays = (0..MAX_HOLIDAYS as i64)
            .map(|i| first.checked_add(jiff::Span::new().weeks(i)).unwrap());
        let s = Schedule::new("UTC", mondays, holidays).unwrap();
        assert_eq!(s.add(utc("2026-12-07T08:00Z"), hours(1)), None);
        assert_eq!(
            s.add(utc("2026-12-07T08:00Z"), SignedDuration::ZERO),
            Some(utc("2026-12-07T08:00Z"))
        );
    }
}
