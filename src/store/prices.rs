//! The price list: what one year of an order type costs for a TLD.

use super::sql::{OptionalExtension, params};

use super::{Result, Store};

impl Store {
    /// The listed price of `kind` for `tld` for the reseller: its own list's
    /// for `tld`, then for every TLD (`*`), then the sandbox list's the same way.
    pub fn price(&self, reseller_id: i64, tld: &str, kind: &str) -> Result<Option<i64>> {
        let cents = self
            .reader()
            .prepare_cached(
                "SELECT cents FROM (
                   SELECT cents, 0 AS rank FROM reseller_prices WHERE reseller_id = ?3 AND kind = ?2 AND tld = ?1
                   UNION ALL SELECT cents, 1 FROM reseller_prices WHERE reseller_id = ?3 AND kind = ?2 AND tld = '*'
                   UNION ALL SELECT cents, 2 FROM prices WHERE kind = ?2 AND tld = ?1
                   UNION ALL SELECT cents, 3 FROM prices WHERE kind = ?2 AND tld = '*'
                 ) p ORDER BY rank LIMIT 1",
            )?
            .query_row(params![tld, kind, reseller_id], |r| r.get(0))
            .optional()?;
        Ok(cents)
    }

    /// Lists (or with `None` unlists) the reseller's own price of `kind` for `tld`.
    pub fn set_reseller_price(
        &self,
        reseller_id: i64,
        (tld, kind): (&str, &str),
        cents: Option<i64>,
    ) -> Result<()> {
        let conn = self.writer();
        match cents {
            Some(c) => conn.execute(
                "INSERT INTO reseller_prices (reseller_id, tld, kind, cents) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (reseller_id, tld, kind) DO UPDATE SET cents = excluded.cents",
                params![reseller_id, tld, kind, c],
            )?,
            None => conn.execute(
                "DELETE FROM reseller_prices WHERE reseller_id = ?1 AND tld = ?2 AND kind = ?3",
                params![reseller_id, tld, kind],
            )?,
        };
        Ok(())
    }

    /// The reseller's own list: `(tld, kind, cents)` by TLD and kind.
    pub fn reseller_prices(&self, reseller_id: i64) -> Result<Vec<(String, String, i64)>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT tld, kind, cents FROM reseller_prices WHERE reseller_id = ?1 ORDER BY tld, kind",
            )?
            .query_map([reseller_id], |r| {
                Ok((r.get("tld")?, r.get("kind")?, r.get("cents")?))
            })?
            .collect::<super::sql::Result<_>>()?)
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
