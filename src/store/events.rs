//! Events and webhooks: what POLL / ACK read and settle, what the webhook task
//! delivers, and the delivery log. Events are written by [`events_in`], inside the
//! transaction of the change they tell of; `rules::events` makes them.

use super::sql::{OptionalExtension, Transaction, params};

use super::{Result, Store, StoreError};

/// One event as POLL returns it and webhooks send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Row id: the polling order, and the webhook task's subject.
    pub id: i64,
    pub reseller_id: i64,
    pub event_id: String,
    pub event: String,
    pub object: String,
    pub at: i64,
    /// `object_data` as a JSON object.
    pub data: String,
}

impl Event {
    /// `object_data` in its stored key order (the documented one for transfers).
    pub fn object_data(&self) -> indexmap::IndexMap<String, serde_json::Value> {
        serde_json::from_str(&self.data).unwrap_or_default()
    }
}

/// A reseller's webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub url: String,
    pub secret: String,
}

/// One delivery attempt, as the log shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookAttempt {
    pub event_id: String,
    pub event: String,
    pub url: String,
    pub attempt: i64,
    pub at: i64,
    pub http_status: Option<u16>,
    pub error: Option<String>,
    /// `delivered`, `retry` or `gave_up`.
    pub outcome: crate::status::WebhookOutcome,
}

/// An event to write, made by `rules::events` (its id, name and payload): the store
/// writes it as it comes, with the write that caused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// 32 hex digits, what clients see and ACK.
    pub event_id: String,
    pub reseller_id: i64,
    pub event: &'static str,
    pub object: &'static str,
    pub at: i64,
    /// `object_data` as a JSON object, its keys in the order clients see them.
    pub data: String,
    /// The domain notes the same change writes (GET_NOTES).
    pub notes: Vec<super::notes::NewNote>,
}

/// Writes events inside a caller's transaction, each with its notes and the webhook
/// delivery task of a reseller that has a webhook.
pub(crate) fn events_in(tx: &Transaction<'_>, events: &[NewEvent]) -> Result<()> {
    for e in events {
        let id: i64 = tx
            .prepare_cached(
                "INSERT INTO events (event_id, reseller_id, event, object, at, data)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
            )?
            .query_row(
                params![e.event_id, e.reseller_id, e.event, e.object, e.at, e.data],
                |r| r.get(0),
            )?;
        tx.prepare_cached(
            "INSERT INTO tasks (kind, subject, due_at, created_at)
             SELECT ?1, ?2, ?3, ?3 FROM webhooks WHERE reseller_id = ?4",
        )?
        .execute(params![
            super::tasks::TaskKind::Webhook,
            id,
            e.at,
            e.reseller_id
        ])?;
        super::notes::notes_in(tx, &e.notes)?;
    }
    Ok(())
}

const EVENT_COLUMNS: &str = "id, reseller_id, event_id, event, object, at, data";

fn event_row(r: &super::sql::Row<'_>) -> super::sql::Result<Event> {
    Ok(Event {
        id: r.get("id")?,
        reseller_id: r.get("reseller_id")?,
        event_id: r.get("event_id")?,
        event: r.get("event")?,
        object: r.get("object")?,
        at: r.get("at")?,
        data: r.get("data")?,
    })
}

impl Store {
    /// The reseller's oldest `limit` unacknowledged events, and how many it has.
    /// The reseller's events about `domain` (its `domain_name`) since `since`,
    /// oldest first: `(row id, event, at)`.
    pub fn events_of_domain(
        &self,
        reseller_id: i64,
        domain: &str,
        since: i64,
    ) -> Result<Vec<(i64, String, i64)>> {
        // The data is JSON written without spaces (`rules::events`); the name is
        // matched as that text, its LIKE wildcards escaped.
        let escaped = domain
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = format!("%\"domain_name\":\"{escaped}\"%");
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT id, event, at FROM events
                 WHERE reseller_id = ?1 AND at >= ?2 AND data LIKE ?3 ESCAPE '\\' ORDER BY id",
            )?
            .query_map(params![reseller_id, since, pattern], |r| {
                Ok((r.get("id")?, r.get("event")?, r.get("at")?))
            })?
            .collect::<super::sql::Result<_>>()?)
    }

    pub fn poll_events(&self, reseller_id: i64, limit: usize) -> Result<(Vec<Event>, i64)> {
        // One snapshot: `total` never counts fewer events than the list shows.
        let tx = self.snapshot()?;
        let events = tx
            .prepare_cached(&format!(
                "SELECT {EVENT_COLUMNS} FROM events
                 WHERE reseller_id = ?1 AND acked_at IS NULL ORDER BY id LIMIT ?2"
            ))?
            .query_map(
                params![reseller_id, i64::try_from(limit).unwrap_or(i64::MAX)],
                event_row,
            )?
            .collect::<super::sql::Result<Vec<_>>>()?;
        let total = tx
            .prepare_cached(
                "SELECT count(*) FROM events WHERE reseller_id = ?1 AND acked_at IS NULL",
            )?
            .query_row([reseller_id], |r| r.get(0))?;
        Ok((events, total))
    }

    /// Acknowledges one of the reseller's events (`event_id` in lower case, as
    /// stored). `NotFound` for an unknown id, an id of another reseller, or one
    /// already acknowledged.
    pub fn ack_event(&self, reseller_id: i64, event_id: &str, now: i64) -> Result<()> {
        let changed = self
            .writer()
            .prepare_cached(
                "UPDATE events SET acked_at = ?3
                 WHERE event_id = ?2 AND reseller_id = ?1 AND acked_at IS NULL",
            )?
            .execute(params![reseller_id, event_id, now])?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Sets (or replaces) the reseller's webhook. Events made from now on are sent.
    pub fn set_webhook(&self, reseller_id: i64, hook: &Webhook, now: i64) -> Result<()> {
        self.writer()
            .prepare_cached(
                "INSERT INTO webhooks (reseller_id, url, secret, created_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (reseller_id) DO UPDATE SET url = excluded.url, secret = excluded.secret",
            )?
            .execute(params![reseller_id, hook.url, hook.secret, now])?;
        Ok(())
    }

    /// Removes the reseller's webhook; whether it had one. Queued deliveries end
    /// without sending.
    pub fn remove_webhook(&self, reseller_id: i64) -> Result<bool> {
        let n = self
            .writer()
            .prepare_cached("DELETE FROM webhooks WHERE reseller_id = ?1")?
            .execute([reseller_id])?;
        Ok(n > 0)
    }

    pub fn webhook(&self, reseller_id: i64) -> Result<Option<Webhook>> {
        Ok(self
            .reader()
            .prepare_cached("SELECT url, secret FROM webhooks WHERE reseller_id = ?1")?
            .query_row([reseller_id], |r| {
                Ok(Webhook {
                    url: r.get("url")?,
                    secret: r.get("secret")?,
                })
            })
            .optional()?)
    }

    /// What a webhook task is to send: the event and its reseller's current webhook
    /// (none once removed).
    pub fn webhook_delivery(&self, event: i64) -> Result<Option<(Event, Option<Webhook>)>> {
        let Some(e) = self
            .reader()
            .prepare_cached(&format!("SELECT {EVENT_COLUMNS} FROM events WHERE id = ?1"))?
            .query_row([event], event_row)
            .optional()?
        else {
            return Ok(None);
        };
        let hook = self.webhook(e.reseller_id)?;
        Ok(Some((e, hook)))
    }

    /// Logs an attempt. A final one (`delivered`, `gave_up`) also completes the
    /// task, in the same transaction; a `retry` leaves the task to the runner's
    /// backoff.
    pub fn record_webhook_attempt(
        &self,
        task_id: i64,
        event: &Event,
        attempt: &WebhookAttempt,
    ) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        tx.prepare_cached(
            "INSERT INTO webhook_attempts (event, reseller_id, url, attempt, at, http_status, error, outcome)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            event.id,
            event.reseller_id,
            attempt.url,
            attempt.attempt,
            attempt.at,
            attempt.http_status,
            attempt.error,
            attempt.outcome
        ])?;
        if attempt.outcome != crate::status::WebhookOutcome::Retry {
            super::tasks::mark_done(&tx, &self.instance, task_id, attempt.at)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The reseller's latest delivery attempts, newest first (`None`: everyone's).
    pub fn webhook_log(
        &self,
        reseller_id: Option<i64>,
        limit: usize,
    ) -> Result<Vec<WebhookAttempt>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT e.event_id, e.event, a.url, a.attempt, a.at, a.http_status, a.error, a.outcome
             FROM webhook_attempts a JOIN events e ON e.id = a.event
             WHERE a.reseller_id = ?1 OR ?1 IS NULL ORDER BY a.id DESC LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(
                params![reseller_id, i64::try_from(limit).unwrap_or(i64::MAX)],
                |r| {
                    Ok(WebhookAttempt {
                        event_id: r.get("event_id")?,
                        event: r.get("event")?,
                        url: r.get("url")?,
                        attempt: r.get("attempt")?,
                        at: r.get("at")?,
                        http_status: r.get("http_status")?,
                        error: r.get("error")?,
                        outcome: r.get("outcome")?,
                    })
                },
            )?
            .collect::<super::sql::Result<Vec<_>>>()?;
        Ok(rows)
    }
}
