//! Retention: rows of finished work are deleted once they are older than the
//! configured ages, in small batches so that the writer is never held for long.
//! What is still in use is never touched: unsent mail, undelivered events, tasks
//! not done, live sessions and tokens.

use super::sql::params;

use super::{Result, Store};
use crate::status::TaskKind;

/// Rows deleted per statement.
const BATCH: i64 = 5_000;

/// What one pass deleted, per table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pruned {
    pub tasks: usize,
    pub outbox: usize,
    pub webhook_attempts: usize,
    pub events: usize,
    pub audit_log: usize,
    pub sessions: usize,
    pub mail_tokens: usize,
}

impl Pruned {
    pub fn total(&self) -> usize {
        self.tasks
            + self.outbox
            + self.webhook_attempts
            + self.events
            + self.audit_log
            + self.sessions
            + self.mail_tokens
    }
}

impl Store {
    /// Deletes finished work older than `before` (Unix seconds), audit rows older
    /// than `audit_before`, and sessions and tokens expired by `now`.
    pub fn prune(&self, before: i64, audit_before: i64, now: i64) -> Result<Pruned> {
        let kinds = |sql: &str, at: i64, kind: TaskKind| -> Result<usize> {
            let mut total = 0;
            loop {
                let n = self.writer().execute(sql, params![at, BATCH, kind])?;
                total += n;
                if n < BATCH as usize {
                    return Ok(total);
                }
            }
        };
        let batched = |sql: &str, at: i64| -> Result<usize> {
            let mut total = 0;
            loop {
                let n = self.writer().execute(sql, params![at, BATCH])?;
                total += n;
                if n < BATCH as usize {
                    return Ok(total);
                }
            }
        };
        Ok(Pruned {
            tasks: batched(
                "DELETE FROM tasks WHERE id IN (SELECT id FROM tasks
                 WHERE done_at IS NOT NULL AND done_at < ?1 LIMIT ?2)",
                before,
            )?,
            outbox: kinds(
                "DELETE FROM outbox WHERE id IN (SELECT o.id FROM outbox o
                 WHERE o.created_at < ?1 AND NOT EXISTS (SELECT 1 FROM tasks t
                   WHERE t.kind = ?3 AND t.subject = o.id AND t.done_at IS NULL) LIMIT ?2)",
                before,
                TaskKind::SendMail,
            )?,
            webhook_attempts: batched(
                "DELETE FROM webhook_attempts WHERE id IN (SELECT id FROM webhook_attempts
                 WHERE at < ?1 LIMIT ?2)",
                before,
            )?,
            events: kinds(
                "DELETE FROM events WHERE id IN (SELECT e.id FROM events e
                 WHERE e.at < ?1
                   AND NOT EXISTS (SELECT 1 FROM webhook_attempts a WHERE a.event = e.id)
                   AND NOT EXISTS (SELECT 1 FROM tasks t
                     WHERE t.kind = ?3 AND t.subject = e.id AND t.done_at IS NULL)
                 LIMIT ?2)",
                before,
                TaskKind::Webhook,
            )?,
            audit_log: batched(
                "DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ?1 LIMIT ?2)",
                audit_before,
            )?,
            sessions: batched(
                "DELETE FROM sessions WHERE token_hash IN (SELECT token_hash FROM sessions
                 WHERE expires_at <= ?1 LIMIT ?2)",
                now,
            )?,
            mail_tokens: batched(
                "DELETE FROM mail_tokens WHERE token_hash IN (SELECT token_hash FROM mail_tokens
                 WHERE expires_at <= ?1 LIMIT ?2)",
                now,
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::temp_store;

    #[test]
    fn prunes_finished_work_and_keeps_what_is_in_use() {
        let (store, _dir) = temp_store();
        let conn = store.writer();
        conn.execute_batch(
            "INSERT INTO tasks (kind, subject, due_at, created_at, done_at) VALUES ('send_mail', 1, 0, 0, 10);
             INSERT INTO tasks (kind, subject, due_at, created_at) VALUES ('send_mail', 2, 0, 0);
             INSERT INTO outbox (kind, to_addr, subject, body, message_id, created_at, sent_at) VALUES ('x', 'a@b.c', 's', 'b', 'm1', 5, 6);
             INSERT INTO outbox (kind, to_addr, subject, body, message_id, created_at) VALUES ('x', 'a@b.c', 's', 'b', 'm2', 5);
             INSERT INTO audit_log (at, actor, action, subject, detail, client_ip) VALUES (5, 'a', 'x', 's', 'd', '-');
             INSERT INTO sessions (token_hash, realm, subject_id, csrf, created_at, expires_at) VALUES ('h', 'panel', 1, 'c', 0, 50);",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        drop(conn);
        let p = store.prune(100, 1, 60).unwrap_or_default();
        assert_eq!((p.tasks, p.outbox, p.audit_log, p.sessions), (1, 1, 0, 1));
        assert_eq!(store.pending_task_count().ok(), Some(1));
        let (left, total) = store.outbox_recent(10).unwrap_or_default();
        assert_eq!((left.len(), total), (1, 1), "the unsent message stays");
    }
}
