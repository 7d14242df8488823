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
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// `27 Nov 2026, 03:10 UTC`, for people.
    pub fn display(&self) -> String {
        format!(
            "{} {} {}, {:02}:{:02} UTC",
            self.day,
            MONTHS[(self.month - 1) as usize],
            self.year,
            self.hour,
            self.minute
        )
    }

    /// `27 Nov 2026`, where the time of day does not matter.
    pub fn date(&self) -> String {
        format!(
            "{} {} {}",
            self.day,
            MONTHS[(self.month - 1) as usize],
            self.year
        )
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
    }
}
