//! [`Timestamp`]: a UTC instant in unix milliseconds, shown as RFC 3339.
//!
//! The calendar arithmetic is the well-known proleptic Gregorian "days from civil" algorithm;
//! it is a few lines, exact for every `i64`, and spares every crate a date-time dependency.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{echo, CoreError};

const MILLIS_PER_SECOND: i64 = 1_000;
const MILLIS_PER_DAY: i64 = 86_400_000;

/// A UTC instant with millisecond precision, as milliseconds since 1970-01-01T00:00:00Z.
///
/// Why an integer: it sorts, compares and indexes the same way in memory, in SQLite and in
/// PostgreSQL, and it cannot carry a time zone by mistake. Why milliseconds: BGP and HTTP
/// events need no finer resolution, and an `i64` of milliseconds spans far beyond any date the
/// project will see.
///
/// `Display` and serde use RFC 3339 with milliseconds and `Z`, e.g.
/// `2024-05-01T12:30:00.250Z`; years outside 0000–9999 print with a sign or more digits
/// (ISO 8601 expanded form) rather than failing. Deserialisation accepts that string (any
/// offset, any fraction, truncated to milliseconds) or an integer of milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The unix epoch, 1970-01-01T00:00:00Z.
    pub const EPOCH: Timestamp = Timestamp(0);

    /// The current time from the system clock.
    ///
    /// A clock set before 1970 gives a negative timestamp rather than a panic.
    pub fn now() -> Self {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(after) => Timestamp(duration_millis(after)),
            Err(before) => Timestamp(duration_millis(before.duration()).saturating_neg()),
        }
    }

    /// The instant `millis` milliseconds after (or, if negative, before) the epoch.
    pub const fn from_unix_millis(millis: i64) -> Self {
        Timestamp(millis)
    }

    /// The instant `secs` seconds after the epoch, saturating at the representable range.
    pub const fn from_unix_secs(secs: i64) -> Self {
        Timestamp(secs.saturating_mul(MILLIS_PER_SECOND))
    }

    /// Milliseconds since the epoch.
    pub const fn as_unix_millis(self) -> i64 {
        self.0
    }

    /// Whole seconds since the epoch, rounded towards minus infinity.
    pub const fn as_unix_secs(self) -> i64 {
        self.0.div_euclid(MILLIS_PER_SECOND)
    }

    /// This instant moved `by` later, saturating rather than overflowing.
    pub fn saturating_add(self, by: Duration) -> Self {
        Timestamp(self.0.saturating_add(duration_millis(by)))
    }

    /// This instant moved `by` earlier, saturating rather than overflowing.
    pub fn saturating_sub(self, by: Duration) -> Self {
        Timestamp(self.0.saturating_sub(duration_millis(by)))
    }

    /// How long after `earlier` this instant is; `None` if it is before `earlier`.
    pub fn duration_since(self, earlier: Timestamp) -> Option<Duration> {
        let diff = self.0.checked_sub(earlier.0)?;
        u64::try_from(diff).ok().map(Duration::from_millis)
    }

    /// Parses an RFC 3339 date-time such as `2024-05-01T12:30:00Z` or
    /// `2024-05-01T14:30:00.123456+02:00`.
    ///
    /// Fractions finer than a millisecond are truncated. A leap second (`:60`) is accepted and
    /// counted as the following second, as unix time does.
    pub fn parse_rfc3339(input: &str) -> Result<Self, CoreError> {
        parse_rfc3339(input).map_err(|reason| CoreError::InvalidTimestamp {
            value: echo(input),
            reason,
        })
    }
}

/// Milliseconds in `d`, saturating at `i64::MAX`.
fn duration_millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(MILLIS_PER_DAY);
        let in_day = self.0.rem_euclid(MILLIS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let hour = in_day / 3_600_000;
        let minute = in_day / 60_000 % 60;
        let second = in_day / 1_000 % 60;
        let milli = in_day % 1_000;
        if (0..=9999).contains(&year) {
            write!(f, "{year:04}")?;
        } else {
            write!(f, "{year:+05}")?;
        }
        write!(
            f,
            "-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{milli:03}Z"
        )
    }
}

impl FromStr for Timestamp {
    type Err = CoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse_rfc3339(s)
    }
}

impl From<SystemTime> for Timestamp {
    fn from(t: SystemTime) -> Self {
        match t.duration_since(UNIX_EPOCH) {
            Ok(after) => Timestamp(duration_millis(after)),
            Err(before) => Timestamp(duration_millis(before.duration()).saturating_neg()),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimestampVisitor;

        impl Visitor<'_> for TimestampVisitor {
            type Value = Timestamp;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 date-time or unix milliseconds")
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Timestamp, E> {
                Ok(Timestamp(v))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Timestamp, E> {
                i64::try_from(v)
                    .map(Timestamp)
                    .map_err(|_| E::custom("unix milliseconds out of range"))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
                Timestamp::parse_rfc3339(v).map_err(E::custom)
            }
        }

        deserializer.deserialize_any(TimestampVisitor)
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date `days` days after 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A tiny cursor over ASCII bytes; RFC 3339 is ASCII-only, so anything else is an error.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, n: usize) -> Result<i64, &'static str> {
        let end = self.pos + n;
        let slice = self.bytes.get(self.pos..end).ok_or("too short")?;
        let mut value = 0i64;
        for &b in slice {
            if !b.is_ascii_digit() {
                return Err("expected a digit");
            }
            value = value * 10 + i64::from(b - b'0');
        }
        self.pos = end;
        Ok(value)
    }

    fn expect(&mut self, accepted: &[u8], what: &'static str) -> Result<u8, &'static str> {
        match self.bytes.get(self.pos) {
            Some(b) if accepted.contains(b) => {
                self.pos += 1;
                Ok(*b)
            }
            _ => Err(what),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }
}

fn parse_rfc3339(input: &str) -> Result<Timestamp, &'static str> {
    let mut c = Cursor {
        bytes: input.as_bytes(),
        pos: 0,
    };
    let year = c.digits(4)?;
    c.expect(b"-", "expected '-' after the year")?;
    let month = c.digits(2)?;
    c.expect(b"-", "expected '-' after the month")?;
    let day = c.digits(2)?;
    c.expect(b"Tt ", "expected 'T' between date and time")?;
    let hour = c.digits(2)?;
    c.expect(b":", "expected ':' after the hour")?;
    let minute = c.digits(2)?;
    c.expect(b":", "expected ':' after the minute")?;
    let second = c.digits(2)?;

    if !(1..=12).contains(&month) {
        return Err("month out of range");
    }
    if day < 1 || day > days_in_month(year, month) {
        return Err("day out of range");
    }
    if hour > 23 || minute > 59 || second > 60 {
        return Err("time of day out of range");
    }

    let mut millis = 0i64;
    if c.peek() == Some(b'.') {
        c.pos += 1;
        let mut n = 0usize;
        while let Some(b) = c.peek().filter(u8::is_ascii_digit) {
            if n < 3 {
                millis = millis * 10 + i64::from(b - b'0');
            }
            n += 1;
            c.pos += 1;
        }
        if n == 0 {
            return Err("expected digits after '.'");
        }
        for _ in n..3 {
            millis *= 10;
        }
    }

    let offset_minutes = match c.expect(b"Zz+-", "expected 'Z' or an offset")? {
        b'Z' | b'z' => 0,
        sign => {
            let oh = c.digits(2)?;
            c.expect(b":", "expected ':' in the offset")?;
            let om = c.digits(2)?;
            if oh > 23 || om > 59 {
                return Err("offset out of range");
            }
            let total = oh * 60 + om;
            if sign == b'-' {
                -total
            } else {
                total
            }
        }
    };
    if c.pos != c.bytes.len() {
        return Err("trailing characters");
    }

    // Every field is bounded above (4-digit year), so this cannot overflow.
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    Ok(Timestamp(secs * MILLIS_PER_SECOND + millis))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn epoch_and_known_instants_format() {
        assert_eq!(Timestamp::EPOCH.to_string(), "1970-01-01T00:00:00.000Z");
        // 2024-02-29T23:59:59.999Z, a leap day.
        let t = Timestamp::from_unix_millis(1_709_251_199_999);
        assert_eq!(t.to_string(), "2024-02-29T23:59:59.999Z");
        assert_eq!(
            Timestamp::from_unix_millis(-1).to_string(),
            "1969-12-31T23:59:59.999Z"
        );
        assert_eq!(
            Timestamp::from_unix_secs(951_782_400).to_string(),
            "2000-02-29T00:00:00.000Z"
        );
    }

    #[test]
    fn extreme_values_format_without_panicking() {
        for v in [i64::MIN, i64::MAX, 253_402_300_800_000, -62_167_219_200_001] {
            let s = Timestamp::from_unix_millis(v).to_string();
            assert!(s.ends_with('Z'), "{s}");
            assert!(s.starts_with('+') || s.starts_with('-'), "{s}");
        }
    }

    #[test]
    fn parses_offsets_fractions_and_rejects_garbage() {
        let utc = Timestamp::parse_rfc3339("2024-05-01T12:30:00.250Z").expect("valid");
        assert_eq!(utc.to_string(), "2024-05-01T12:30:00.250Z");
        let plus = Timestamp::parse_rfc3339("2024-05-01T14:30:00.250987+02:00").expect("valid");
        assert_eq!(plus, utc);
        let minus = Timestamp::parse_rfc3339("2024-05-01t07:00:00.25-05:30").expect("valid");
        assert_eq!(minus, utc);
        assert_eq!(
            Timestamp::parse_rfc3339("1970-01-01T00:00:00Z").expect("valid"),
            Timestamp::EPOCH
        );
        for bad in [
            "",
            "2024-05-01",
            "2024-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-05-01T24:00:00Z",
            "2024-05-01T00:00:00",
            "2024-05-01T00:00:00.Z",
            "2024-05-01T00:00:00Zjunk",
            "2024-05-01T00:00:00+2:00",
            "２０２４-05-01T00:00:00Z",
        ] {
            assert!(Timestamp::parse_rfc3339(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn serde_writes_rfc3339_and_reads_both_forms() {
        let t = Timestamp::from_unix_millis(1_714_566_600_250);
        let json = serde_json::to_string(&t).expect("serialise");
        assert_eq!(json, "\"2024-05-01T12:30:00.250Z\"");
        let back: Timestamp = serde_json::from_str(&json).expect("string form");
        assert_eq!(back, t);
        let from_int: Timestamp = serde_json::from_str("1714566600250").expect("integer form");
        assert_eq!(from_int, t);
        assert!(serde_json::from_str::<Timestamp>("18446744073709551615").is_err());
        assert!(serde_json::from_str::<Timestamp>("\"yesterday\"").is_err());
    }

    #[test]
    fn arithmetic_saturates() {
        let t = Timestamp::from_unix_millis(i64::MAX - 1);
        assert_eq!(
            t.saturating_add(Duration::from_secs(10)),
            Timestamp::from_unix_millis(i64::MAX)
        );
        let a = Timestamp::from_unix_secs(100);
        let b = a.saturating_add(Duration::from_millis(1_500));
        assert_eq!(b.duration_since(a), Some(Duration::from_millis(1_500)));
        assert_eq!(a.duration_since(b), None);
        assert_eq!(b.saturating_sub(Duration::from_millis(1_500)), a);
        assert_eq!(b.as_unix_secs(), 101);
        assert_eq!(Timestamp::from_unix_millis(-1).as_unix_secs(), -1);
    }

    #[test]
    fn now_is_after_2020() {
        assert!(Timestamp::now() > Timestamp::from_unix_secs(1_577_836_800));
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(ms in -62_135_596_800_000i64..253_402_300_799_999) {
            let t = Timestamp::from_unix_millis(ms);
            let parsed = Timestamp::parse_rfc3339(&t.to_string());
            prop_assert_eq!(parsed, Ok(t));
        }

        #[test]
        fn civil_round_trips(days in -10_000_000i64..10_000_000) {
            let (y, m, d) = civil_from_days(days);
            prop_assert!((1..=12).contains(&m));
            prop_assert!(d >= 1 && d <= days_in_month(y, m));
            prop_assert_eq!(days_from_civil(y, m, d), days);
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,40}") {
            let _ = Timestamp::parse_rfc3339(&s);
        }
    }
}
