//! Amounts of money as whole cents: read from `12`, `12.5` or `12.50`, written as
//! OpenSRS writes them (`9000.01`, `0.00`). One home for the rule, used by the CLI,
//! the scenario file and the replies; and the price list's table as the config
//! file and the scenario write it.

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

/// One `[[price]]` table of the config file or the scenario: a TLD (or `*`) and the
/// price of a year of each order type it names, e.g. `tld = "com"`,
/// `new = "8.99"`, `renewal = "8.99"`, `transfer = "7.50"`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceTable {
    pub tld: String,
    #[serde(default)]
    pub new: Option<String>,
    #[serde(default)]
    pub renewal: Option<String>,
    #[serde(default)]
    pub transfer: Option<String>,
}

/// A price that is no amount: the TLD, the order type and what was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadPrice {
    pub tld: String,
    pub kind: &'static str,
    pub amount: String,
}

impl PriceTable {
    /// The table as `(tld, kind, cents)` rows, the TLD without its dot and
    /// lower-cased.
    pub fn rows(&self) -> Result<Vec<(String, String, i64)>, BadPrice> {
        let tld = self.tld.trim().trim_start_matches('.').to_ascii_lowercase();
        let mut out = Vec::new();
        for (kind, amount) in [
            ("new", &self.new),
            ("renewal", &self.renewal),
            ("transfer", &self.transfer),
        ] {
            let Some(amount) = amount else { continue };
            let cents = parse_cents(amount).ok_or_else(|| BadPrice {
                tld: tld.clone(),
                kind,
                amount: amount.clone(),
            })?;
            out.push((tld.clone(), kind.to_string(), cents));
        }
        Ok(out)
    }
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
