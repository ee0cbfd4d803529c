//! Domain notes (GET_NOTES): written with the change they tell of, in its
//! transaction (a [`NewEvent`](super::NewEvent) carries its notes, or a write adds its
//! own), read a page at a time, newest first. The texts are the rules'.

use super::sql::{Transaction, params};

use super::{Result, Store};
use crate::status::NoteScope;

/// A note to write: `rules` gives its text and whose notes it joins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNote {
    pub reseller_id: i64,
    pub domain: String,
    pub scope: NoteScope,
    /// The order's or the transfer's id, for those scopes.
    pub ref_id: Option<i64>,
    pub note: String,
    pub at: i64,
}

/// A note as GET_NOTES lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub note: String,
    pub at: i64,
}

/// A page of notes, and how many there are in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotePage {
    pub notes: Vec<Note>,
    pub total: i64,
}

/// Writes notes inside a caller's transaction.
pub(crate) fn notes_in(tx: &Transaction<'_>, notes: &[NewNote]) -> Result<()> {
    for n in notes {
        tx.prepare_cached(
            "INSERT INTO domain_notes (reseller_id, domain, scope, ref_id, note, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            n.reseller_id,
            n.domain,
            n.scope,
            n.ref_id,
            n.note,
            n.at
        ])?;
    }
    Ok(())
}

impl Store {
    /// A page of the notes of the reseller's `domain` in `scope` (for an order or a
    /// transfer, those of `ref_id`), newest first: `limit` from `skip`.
    pub fn notes(
        &self,
        reseller_id: i64,
        domain: &str,
        scope: NoteScope,
        ref_id: Option<i64>,
        skip: i64,
        limit: i64,
    ) -> Result<NotePage> {
        let tx = self.snapshot()?;
        // `ref_id` is compared only for order and transfer notes (?4 is NULL for a
        // domain's: all of them). The comparison comes first: PostgreSQL types a
        // parameter from its first use, and `IS NULL` gives it none.
        let filter = "reseller_id = ?1 AND domain = ?2 AND scope = ?3
                      AND (ref_id = ?4 OR ?4 IS NULL)";
        let notes = tx
            .prepare_cached(&format!(
                "SELECT note, at FROM domain_notes WHERE {filter}
                 ORDER BY id DESC LIMIT ?5 OFFSET ?6"
            ))?
            .query_map(
                params![reseller_id, domain, scope, ref_id, limit, skip],
                |r| {
                    Ok(Note {
                        note: r.get("note")?,
                        at: r.get("at")?,
                    })
                },
            )?
            .collect::<super::sql::Result<Vec<_>>>()?;
        let total = tx
            .prepare_cached(&format!(
                "SELECT count(*) AS n FROM domain_notes WHERE {filter}"
            ))?
            .query_row(params![reseller_id, domain, scope, ref_id], |r| r.get("n"))?;
        Ok(NotePage { notes, total })
    }

    /// Adds notes on their own (a note a request asks to keep).
    pub fn add_notes(&self, notes: &[NewNote]) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        notes_in(&tx, notes)?;
        tx.commit()?;
        Ok(())
    }
}
