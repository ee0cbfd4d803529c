//! Small server settings kept in the database: the sandbox clock's offset and the
//! generated admin token.

use super::sql::{OptionalExtension, params};

use super::{Result, Store};

impl Store {
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        let v = self
            .reader()
            .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?;
        Ok(v)
    }

    /// Adds `by` to the integer setting `key` (0 when unset) in one transaction and
    /// returns the sum: two instances adding at once both count.
    pub fn add_to_setting(&self, key: &str, by: i64) -> Result<i64> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let old: Option<String> = tx
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?;
        let sum = old
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or(0)
            .saturating_add(by);
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, sum.to_string()],
        )?;
        tx.commit()?;
        Ok(sum)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.writer().execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }
}
