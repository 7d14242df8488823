//! Calendar dates from unix-millisecond timestamps, shared by server and client.
//!
//! Times are shown in UTC on both sides: the server-rendered HTML and the hydrated page must
//! print the same text, and the browser's zone is unknown while rendering on the server.

/// A UTC calendar date and time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcTime {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl UtcTime {
    /// Civil-from-days (proleptic Gregorian), so neither side needs a date crate for it.
    pub fn from_ms(ms: i64) -> UtcTime {
        let days = ms.div_euclid(86_400_000);
        let in_day = ms.rem_euclid(86_400_000) / 1000;
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        UtcTime {
            year: (yoe + era * 400 + i64::from(month <= 2)) as i32,
            month,
            day,
            hour: (in_day / 3600) as u32,
            minute: (in_day / 60 % 60) as u32,
            second: (in_day % 60) as u32,
        }
    }

    /// `2026-11-27T03:10:05Z`, for `<time datetime>`.
    pub fn iso(&self) -> String {
        let mut s = String::with_capacity(20);
        push_padded(&mut s, self.year.max(0) as u32, 4);
        for (sep, n) in [('-', self.month), ('-', self.day), ('T', self.hour)] {
            s.push(sep);
            push_padded(&mut s, n, 2);
        }
        for n in [self.minute, self.second] {
            s.push(':');
            push_padded(&mut s, n, 2);
        }
        s.push('Z');
        s
    }

    /// `27 Nov 2026, 03:10 UTC`, for people.
    pub fn display(&self) -> String {
        let mut s = self.date();
        s.push_str(", ");
        push_padded(&mut s, self.hour, 2);
        s.push(':');
        push_padded(&mut s, self.minute, 2);
        s.push_str(" UTC");
        s
    }

    /// `27 Nov 2026`, where the time of day does not matter.
    pub fn date(&self) -> String {
        let mut s = String::with_capacity(24);
        push_padded(&mut s, self.day, 1);
        s.push(' ');
        s.push_str(MONTHS[(self.month - 1) as usize]);
        s.push(' ');
        push_padded(&mut s, self.year.max(0) as u32, 1);
        s
    }
}

/// `n` in decimal, zero-padded to `width` digits. Every list row shows two times: `format!`
/// made them 4 % of the list page's instructions (callgrind, 10,000 tickets).
fn push_padded(s: &mut String, n: u32, width: usize) {
    let mut digits = [0u8; 10];
    let mut len = 0;
    let mut rest = n;
    loop {
        digits[len] = b'0' + (rest % 10) as u8;
        len += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for _ in len..width {
        s.push('0');
    }
    for d in digits[..len].iter().rev() {
        s.push(*d as char);
    }
}

pub const DAY_MS: i64 = 86_400_000;
pub const WEEK_MS: i64 = 7 * DAY_MS;

/// A UTC calendar day, as days since 1970-01-01: what the list's date filters hold.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Day(pub i64);

impl Day {
    pub fn of_ms(ms: i64) -> Day {
        Day(ms.div_euclid(DAY_MS))
    }

    pub fn start_ms(self) -> i64 {
        self.0 * DAY_MS
    }

    /// The Monday that starts this day's week (weeks run Monday to Sunday, UTC).
    pub fn week_start(self) -> Day {
        // 1970-01-01 was a Thursday, three days after a Monday.
        Day(self.0 - (self.0 + 3).rem_euclid(7))
    }

    /// `YYYY-MM-DD`, as a date input and the URL hold it.
    pub fn parse(text: &str) -> Option<Day> {
        let mut parts = text.trim().splitn(3, '-');
        let year: i64 = parts.next()?.parse().ok()?;
        let month: i64 = parts.next()?.parse().ok()?;
        let day: i64 = parts.next()?.parse().ok()?;
        if !(1..=9999).contains(&year) || !(1..=12).contains(&month) || day < 1 {
            return None;
        }
        // Days-from-civil (proleptic Gregorian), the inverse of `UtcTime::from_ms`.
        let y = if month <= 2 { year - 1 } else { year };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (month + 9) % 12;
        let doy = (153 * mp + 2) / 5 + day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let found = Day(era * 146_097 + doe - 719_468);
        // 31 February and the like do not come back as the same date.
        (UtcTime::from_ms(found.start_ms()).day == day as u32).then_some(found)
    }

    /// `2026-11-23`.
    pub fn iso(self) -> String {
        let mut iso = UtcTime::from_ms(self.start_ms()).iso();
        iso.truncate(10);
        iso
    }

    /// `23 Nov 2026`.
    pub fn display(self) -> String {
        UtcTime::from_ms(self.start_ms()).date()
    }
}

/// The UTC calendar year of a timestamp.
pub fn utc_year(ms: i64) -> i32 {
    UtcTime::from_ms(ms).year
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_from_timestamps() {
        assert_eq!(utc_year(0), 1970);
        assert_eq!(utc_year(1_767_225_599_999), 2025); // 2025-12-31T23:59:59.999Z
        assert_eq!(utc_year(1_767_225_600_000), 2026); // 2026-01-01T00:00:00Z
        assert_eq!(utc_year(951_782_400_000), 2000); // 2000-02-29
        assert_eq!(utc_year(-1), 1969);
    }

    #[test]
    fn days_read_write_and_start_their_weeks_on_monday() {
        let day = Day::parse("2026-11-28").unwrap();
        assert_eq!(day.iso(), "2026-11-28");
        assert_eq!(day.display(), "28 Nov 2026");
        assert_eq!(day.week_start().iso(), "2026-11-23"); // a Saturday's Monday
        assert_eq!(
            Day::parse("2026-11-23").unwrap().week_start().iso(),
            "2026-11-23"
        );
        assert_eq!(
            Day::parse("2026-11-29").unwrap().week_start().iso(),
            "2026-11-23"
        );
        assert_eq!(Day::parse("1970-01-01"), Some(Day(0)));
        assert_eq!(
            Day::parse("2000-02-29").unwrap().start_ms(),
            951_782_400_000
        );
        assert_eq!(
            Day::of_ms(951_782_400_000 + 5),
            Day::parse("2000-02-29").unwrap()
        );
        for bad in ["2026-02-30", "2026-13-01", "2026-1", "x", "", "2026-00-10"] {
            assert_eq!(Day::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_and_times() {
        let t = UtcTime::from_ms(951_782_400_000 + 13 * 3_600_000 + 5 * 60_000 + 9_000);
        assert_eq!(t.iso(), "2000-02-29T13:05:09Z");
        assert_eq!(t.display(), "29 Feb 2000, 13:05 UTC");
        assert_eq!(t.date(), "29 Feb 2000");
        assert_eq!(
            UtcTime::from_ms(1_767_225_599_999).iso(),
            "2025-12-31T23:59:59Z"
        );
        assert_eq!(UtcTime::from_ms(-1).iso(), "1969-12-31T23:59:59Z");
        let t = UtcTime::from_ms(0);
        assert_eq!(
            (t.iso().as_str(), t.display().as_str()),
            ("1970-01-01T00:00:00Z", "1 Jan 1970, 00:00 UTC")
        );
        let t = UtcTime::from_ms(253_402_300_799_000); // the last second of 9999
        assert_eq!(
            (t.iso().as_str(), t.display().as_str()),
            ("9999-12-31T23:59:59Z", "31 Dec 9999, 23:59 UTC")
        );
    }
}
