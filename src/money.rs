//! Amounts of money as whole cents: read from `12`, `12.5` or `12.50`, written as
//! OpenSRS writes them (`9000.01`, `0.00`). One home for the rule, used by the CLI,
//! the scenario file and the replies.

/// Parses `12`, `12.5` or `12.50` into cents; no sign, no thousands separators, at
/// most two decimals.
pub fn parse_cents(s: &str) -> Option<i64> {
    let s = s.trim();
    let (units, frac) = s.split_once('.').unwrap_or((s, ""));
    if units.is_empty()
        || frac.len() > 2
        || !units
            .bytes()
            .chain(frac.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let units: i64 = units.parse().ok()?;
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    units.checked_mul(100)?.checked_add(frac)
}

/// Cents as a decimal string with two places: `900001` → `9000.01`, `-5` → `-0.05`.
pub fn format_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_and_written() {
        assert_eq!(parse_cents("12"), Some(1200));
        assert_eq!(parse_cents("12.5"), Some(1250));
        assert_eq!(parse_cents("0.05"), Some(5));
        for bad in ["", ".5", "1.234", "-1", "1,00", "x", "99999999999999999999"] {
            assert_eq!(parse_cents(bad), None, "{bad}");
        }
        assert_eq!(format_cents(900_001), "9000.01");
        assert_eq!(format_cents(0), "0.00");
        assert_eq!(format_cents(-5), "-0.05");
        assert_eq!(parse_cents(&format_cents(123_456)), Some(123_456));
    }
}
