//! The one source of time. `SystemClock` is the only caller of the system time
//! (clippy.toml bans it elsewhere); tests and the sandbox use `FakeClock`, which can be
//! set and moved forward.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use time::OffsetDateTime;
use time::macros::format_description;

/// Where every part of opsd gets the current time.
pub trait Clock: Send + Sync + fmt::Debug {
    fn now(&self) -> OffsetDateTime;
}

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
        *now += by;
    }
}

impl Clock for FakeClock {
    fn now(&self) -> OffsetDateTime {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `YYYY-MM-DD HH:MM:SS`, the form OpenSRS uses in job names.
pub fn format_timestamp(t: OffsetDateTime) -> String {
    let fmt = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    // Formatting a date with plain numeric components cannot fail.
    t.format(&fmt).unwrap_or_default()
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
    fn fake_clock_moves_only_when_told() {
        let start = parse_timestamp("2014-07-03 18:34:34").expect("valid");
        let c = FakeClock::new(start);
        assert_eq!(format_timestamp(c.now()), "2014-07-03 18:34:34");
        c.advance(time::Duration::days(7));
        assert_eq!(format_timestamp(c.now()), "2014-07-10 18:34:34");
    }
}
