//! The price list: what one year of an order type costs for a TLD.

use super::sql::{OptionalExtension, params};

use super::{Result, Store};

impl Store {
    /// The listed price of `kind` for `tld`, else for every TLD (`*`).
    pub fn price(&self, tld: &str, kind: &str) -> Result<Option<i64>> {
        let cents = self
            .reader()
            .prepare_cached(
                "SELECT cents FROM prices WHERE kind = ?2 AND tld IN (?1, '*')
                 ORDER BY tld = '*' LIMIT 1",
            )?
            .query_row(params![tld, kind], |r| r.get(0))
            .optional()?;
        Ok(cents)
    }

    /// Lists (or with `None` unlists) the price of `kind` for `tld` (`*`: every TLD).
    pub fn set_price(&self, tld: &str, kind: &str, cents: Option<i64>) -> Result<()> {
        let conn = self.writer();
        match cents {
            Some(c) => conn.execute(
                "INSERT INTO prices (tld, kind, cents) VALUES (?1, ?2, ?3)
                 ON CONFLICT (tld, kind) DO UPDATE SET cents = excluded.cents",
                params![tld, kind, c],
            )?,
            None => conn.execute(
                "DELETE FROM prices WHERE tld = ?1 AND kind = ?2",
                params![tld, kind],
            )?,
        };
        Ok(())
    }

    /// The whole list: `(tld, kind, cents)` by TLD and kind.
    pub fn prices(&self) -> Result<Vec<(String, String, i64)>> {
        let rows = self
            .reader()
            .prepare_cached("SELECT tld, kind, cents FROM prices ORDER BY tld, kind")?
            .query_map([], |r| Ok((r.get("tld")?, r.get("kind")?, r.get("cents")?)))?
            .collect::<super::sql::Result<_>>()?;
        Ok(rows)
    }
}
