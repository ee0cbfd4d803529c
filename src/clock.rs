//! The one source of time. `SystemClock` is the only caller of the system time
//! (clippy.toml bans it elsewhere); tests and the sandbox use `FakeClock`, which can be
//! set and moved forward.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use time::OffsetDateTime;
use time::macros::format_description;

/// The most one advance may move a clock: ten years.
pub const MAX_ADVANCE: time::Duration = time::Duration::days(3650);

/// No clock is moved past this: dates stay four-digit with room to spare, so that
/// no later addition of a window or a renewal overflows the date type.
pub const LATEST: OffsetDateTime = time::macros::datetime!(9000-01-01 0:00 UTC);

/// Why a clock was not moved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    #[error("this server's clock cannot be moved (production mode)")]
    NotMovable,
    #[error("a clock moves forward by at most 3650 days at a time")]
    TooFar,
    #[error("the clock would pass 9000-01-01")]
    PastLatest,
}

/// Where every part of opsd gets the current time.
pub trait Clock: Send + Sync + fmt::Debug {
    fn now(&self) -> OffsetDateTime;

    /// Moves the clock forward by at most [`MAX_ADVANCE`], never past [`LATEST`];
    /// refused for a clock that cannot be moved (production).
    fn advance(&self, _by: time::Duration) -> Result<OffsetDateTime, ClockError> {
        Err(ClockError::NotMovable)
    }

    /// Seconds this clock runs ahead of the system clock, for clocks that keep one (to
    /// be saved across restarts).
    fn offset(&self) -> Option<i64> {
        None
    }

    /// Catches up with an offset another instance on the same database saved (an
    /// offset only grows, so a smaller one is ignored); for clocks that keep one.
    fn follow(&self, _offset: i64) {}

    /// Whether [`Clock::advance`] moves it (the sandbox's and the tests' clocks).
    fn movable(&self) -> bool {
        false
    }

    /// Puts the clock at `t`, backwards too (a sandbox reset or a snapshot load);
    /// refused for a clock that cannot be moved.
    fn reset_to(&self, _t: OffsetDateTime) -> Result<(), ClockError> {
        Err(ClockError::NotMovable)
    }
}

/// The settings key under which the sandbox clock's offset is saved.
pub const CLOCK_OFFSET: &str = "clock_offset";

/// Shared handle to the server's clock.
pub type SharedClock = Arc<dyn Clock>;

/// Wall-clock time, in UTC.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one permitted caller
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that stands still until told otherwise.
#[derive(Debug)]
pub struct FakeClock {
    now: Mutex<OffsetDateTime>,
}

impl FakeClock {
    pub fn new(start: OffsetDateTime) -> Self {
        FakeClock {
            now: Mutex::new(start),
        }
    }

    pub fn set(&self, t: OffsetDateTime) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = t;
    }

    pub fn advance(&self, by: time::Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now = now.checked_add(by).unwrap_or(LATEST).min(LATEST);
    }
}

/// Refuses a move that is negative, too long, or would pass [`LATEST`]; the time the
/// clock would read otherwise.
fn checked_move(now: OffsetDateTime, by: time::Duration) -> Result<OffsetDateTime, ClockError> {
    if by.is_negative() || by > MAX_ADVANCE {
        return Err(ClockError::TooFar);
    }
    now.checked_add(by)
        .filter(|t| *t <= LATEST)
        .ok_or(ClockError::PastLatest)
}

impl Clock for FakeClock {
    fn now(&self) -> OffsetDateTime {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn advance(&self, by: time::Duration) -> Result<OffsetDateTime, ClockError> {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now = checked_move(*now, by)?;
        Ok(*now)
    }

    fn movable(&self) -> bool {
        true
    }

    fn reset_to(&self, t: OffsetDateTime) -> Result<(), ClockError> {
        self.set(t.min(LATEST));
        Ok(())
    }
}

/// The sandbox clock: system time plus an offset that only grows (`opsd clock
/// advance`), so that time still flows between advances.
#[derive(Debug, Default)]
pub struct SandboxClock {
    offset: std::sync::atomic::AtomicI64,
}

impl SandboxClock {
    /// A clock `offset` seconds ahead of the system clock; an offset that would put
    /// it past [`LATEST`] (saved by an older version) is cut back to reach it, with
    /// a warning, rather than failing at every start.
    pub fn with_offset(offset: i64) -> Self {
        let most = (LATEST - SystemClock.now()).whole_seconds();
        if offset > most {
            tracing::warn!(
                offset,
                most,
                "saved clock offset is past 9000-01-01; using the latest allowed"
            );
        }
        SandboxClock {
            offset: std::sync::atomic::AtomicI64::new(offset.min(most)),
        }
    }

    /// The offset that makes the clock read `start` now.
    pub fn offset_for(start: OffsetDateTime) -> i64 {
        (start - SystemClock.now()).whole_seconds()
    }
}

impl Clock for SandboxClock {
    fn now(&self) -> OffsetDateTime {
        let offset = time::Duration::seconds(self.offset.load(std::sync::atomic::Ordering::SeqCst));
        SystemClock.now().checked_add(offset).unwrap_or(LATEST)
    }

    fn advance(&self, by: time::Duration) -> Result<OffsetDateTime, ClockError> {
        use std::sync::atomic::Ordering;
        // Checked against the time it reads now; a concurrent advance is ordered by
        // the compare-and-swap, so two never add up past the bound.
        loop {
            let offset = self.offset.load(Ordering::SeqCst);
            let now = SystemClock
                .now()
                .checked_add(time::Duration::seconds(offset))
                .unwrap_or(LATEST);
            let after = checked_move(now, by)?;
            let moved = offset.saturating_add(by.whole_seconds());
            if self
                .offset
                .compare_exchange(offset, moved, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
            {
                return Ok(after);
            }
        }
    }

    fn offset(&self) -> Option<i64> {
        Some(self.offset.load(std::sync::atomic::Ordering::SeqCst))
    }

    fn follow(&self, offset: i64) {
        let most = (LATEST - SystemClock.now()).whole_seconds();
        self.offset
            .fetch_max(offset.min(most), std::sync::atomic::Ordering::SeqCst);
    }

    fn movable(&self) -> bool {
        true
    }

    fn reset_to(&self, t: OffsetDateTime) -> Result<(), ClockError> {
        let offset = (t.min(LATEST) - SystemClock.now()).whole_seconds();
        self.offset
            .store(offset, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }
}

/// Parses a duration such as `7d`, `36h`, `90m`, `45s` or `1d12h`.
pub fn parse_duration(s: &str) -> Option<time::Duration> {
    let mut total = 0i64;
    let mut digits = String::new();
    for c in s.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: i64 = digits.parse().ok()?;
        digits.clear();
        let unit = match c {
            'w' => 7 * 86_400,
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    if !digits.is_empty() {
        return None;
    }
    (total > 0).then(|| time::Duration::seconds(total))
}

/// `YYYY-MM-DD HH:MM:SS`, the form OpenSRS uses in job names.
pub fn format_timestamp(t: OffsetDateTime) -> String {
    let fmt = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    // Formatting a date with plain numeric components cannot fail.
    t.format(&fmt).unwrap_or_default()
}

/// Unix seconds as `YYYY-MM-DD HH:MM:SS` (UTC): the portfolio's dates (GET's
/// `expiredate`, which WHMCS splits at the space and Go clients parse with
/// `2006-01-02 15:04:05`).
pub fn unix_timestamp_text(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .map(format_timestamp)
        .unwrap_or_default()
}

/// The calendar year of a Unix time (UTC).
pub fn year_of(unix: i64) -> i32 {
    OffsetDateTime::from_unix_timestamp(unix).map_or(1970, |t| t.year())
}

/// `unix` moved by `years` calendar years; 29 February becomes 28 February in a
/// year without it. Saturates at the ends of what `time` can represent.
pub fn add_years(unix: i64, years: i64) -> i64 {
    let Ok(t) = OffsetDateTime::from_unix_timestamp(unix) else {
        return unix;
    };
    let Some(year) = i32::try_from(years)
        .ok()
        .and_then(|y| t.year().checked_add(y))
    else {
        return unix;
    };
    t.replace_year(year)
        .or_else(|_| t.replace_day(28).and_then(|d| d.replace_year(year)))
        .map_or(unix, OffsetDateTime::unix_timestamp)
}

/// `YYYY-MM-DD` as the Unix time of that day's midnight UTC.
pub fn parse_date(s: &str) -> Option<i64> {
    let fmt = format_description!("[year]-[month]-[day]");
    time::Date::parse(s.trim(), &fmt)
        .ok()
        .map(|d| d.midnight().assume_utc().unix_timestamp())
}

/// Unix seconds as ISO 8601 UTC, `YYYY-MM-DDTHH:MM:SSZ` (event dates).
pub fn iso8601(unix: i64) -> String {
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_default()
}

/// Unix seconds as OpenSRS's transfer lists write dates, `03-MAY-2011 12:06:12` (UTC).
pub fn opensrs_date(unix: i64) -> String {
    let fmt = format_description!("[day]-[month repr:short]-[year] [hour]:[minute]:[second]");
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_default()
        .to_ascii_uppercase()
}

/// Unix seconds as CHECK_TRANSFER writes a time, `Wed May 4 09:36:06 2005` (UTC).
pub fn ctime(unix: i64) -> String {
    let fmt = format_description!(
        "[weekday repr:short] [month repr:short] [day padding:none] [hour]:[minute]:[second] [year]"
    );
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_default()
}

/// Parses `YYYY-MM-DD HH:MM:SS` (UTC) or RFC 3339.
pub fn parse_timestamp(s: &str) -> Option<OffsetDateTime> {
    let fmt = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::PrimitiveDateTime::parse(s.trim(), &fmt)
        .map(|t| t.assume_utc())
        .ok()
        .or_else(|| {
            OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339).ok()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opensrs_dates_as_captured() {
        // Net::DRI's fixture moment, and the captured get_transfers_in entry's order
        // date (1304438772, shown there in US Eastern time as 12:06:12).
        assert_eq!(ctime(1_115_199_366), "Wed May 4 09:36:06 2005");
        assert_eq!(opensrs_date(1_304_438_772), "03-MAY-2011 16:06:12");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("7d"), Some(time::Duration::days(7)));
        assert_eq!(parse_duration("36h"), Some(time::Duration::hours(36)));
        assert_eq!(parse_duration("1d12h"), Some(time::Duration::hours(36)));
        assert_eq!(parse_duration("7"), None);
        assert_eq!(parse_duration("7x"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn sandbox_clock_advances_and_reports_its_offset() {
        let c = SandboxClock::with_offset(100);
        let before = c.now();
        let after = c.advance(time::Duration::days(1)).unwrap_or(before);
        assert_eq!(
            c.advance(time::Duration::days(100_000_000)),
            Err(ClockError::TooFar)
        );
        assert_eq!(
            c.offset(),
            Some(100 + 86_400),
            "a refused move changes nothing"
        );
        assert!(after - before >= time::Duration::days(1));
        assert_eq!(c.offset(), Some(100 + 86_400));
    }

    /// Issue 15.4: no clock moves past 9000-01-01, and a saved offset that would is
    /// cut back instead of breaking the start.
    #[test]
    fn moves_are_bounded() {
        let c = FakeClock::new(time::macros::datetime!(8999-06-01 0:00 UTC));
        assert_eq!(
            Clock::advance(&c, time::Duration::days(365)),
            Err(ClockError::PastLatest)
        );
        assert!(Clock::advance(&c, time::Duration::days(100)).is_ok());
        let broken = SandboxClock::with_offset(i64::MAX / 2);
        assert!(broken.now() <= LATEST);
        assert_eq!(
            broken.advance(time::Duration::days(1)),
            Err(ClockError::PastLatest)
        );
        assert_eq!(
            Clock::advance(&SystemClock, time::Duration::days(1)),
            Err(ClockError::NotMovable)
        );
    }

    #[test]
    fn fake_clock_moves_only_when_told() {
        let start = parse_timestamp("2014-07-03 18:34:34").expect("valid");
        let c = FakeClock::new(start);
        assert_eq!(format_timestamp(c.now()), "2014-07-03 18:34:34");
        c.advance(time::Duration::days(7));
        assert_eq!(format_timestamp(c.now()), "2014-07-10 18:34:34");
    }
}
