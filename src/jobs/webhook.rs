//! The webhook step: POST one event to its reseller's URL, signed, and log the
//! attempt. A failed attempt is retried on the runner's backoff (1, 2, 4 … minutes)
//! until [`MAX_ATTEMPTS`]; then the log says `gave_up` and the event stays in POLL.

use std::sync::LazyLock;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::app::App;
use crate::store::{Event, Task, WebhookAttempt};

use super::StepError;

/// Tries per event: with the backoff, the last comes about 2 hours after the first.
pub const MAX_ATTEMPTS: i64 = 8;

/// Longest a receiver may take: the runner waits for it, so it must be short.
const TIMEOUT: Duration = Duration::from_secs(5);

/// The header receivers check: `t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
pub const SIGNATURE_HEADER: &str = "X-Opsd-Signature";

static AGENT: LazyLock<ureq::Agent> = LazyLock::new(|| {
    ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        // A redirect would send the signed payload somewhere not configured.
        .max_redirects(0)
        .user_agent("opsd-webhook/1")
        .build()
        .new_agent()
});

pub(super) fn deliver(app: &App, task: &Task, now: i64) -> Result<(), StepError> {
    let Some((event, hook)) = app.store.webhook_delivery(task.subject)? else {
        // Events are never deleted; should one be, there is nothing to send.
        return app.store.task_done(task.id, now).map_err(StepError::from);
    };
    let attempt = task.attempts + 1;
    // A removed webhook ends the delivery unsent.
    let removed = hook.is_none();
    let (url, http_status, error) = match hook {
        None => (String::new(), None, Some("webhook removed".to_string())),
        Some(hook) if app.faults().active("webhook_timeout") => (
            hook.url,
            None,
            Some("timed out (injected fault)".to_string()),
        ),
        Some(hook) => {
            let body = payload(&event);
            let result = AGENT
                .post(&hook.url)
                .header("Content-Type", "application/json")
                .header(SIGNATURE_HEADER, &sign(&hook.secret, now, &body))
                .header("X-Opsd-Event-Id", &event.event_id)
                .send(body.as_bytes());
            let (status, error) = match result {
                Ok(resp) if resp.status().is_success() => (Some(resp.status().as_u16()), None),
                Ok(resp) => (
                    Some(resp.status().as_u16()),
                    Some(format!("HTTP {}", resp.status().as_u16())),
                ),
                Err(e) => (None, Some(e.to_string())),
            };
            (hook.url, status, error)
        }
    };
    use crate::status::WebhookOutcome as O;
    let outcome = match (&error, removed || attempt >= MAX_ATTEMPTS) {
        (None, _) => O::Delivered,
        (Some(_), true) => O::GaveUp,
        (Some(_), false) => O::Retry,
    };
    let log = WebhookAttempt {
        event_id: event.event_id.clone(),
        event: event.event.clone(),
        url,
        attempt,
        at: now,
        http_status,
        error: error.clone(),
        outcome,
    };
    app.store.record_webhook_attempt(task.id, &event, &log)?;
    if !removed {
        app.metrics.webhook(outcome.as_str());
    }
    match (outcome, error) {
        (O::Retry, Some(e)) => Err(StepError::Webhook(e)),
        _ => Ok(()),
    }
}

/// The event as POLL shows it, as one JSON object.
pub fn payload(e: &Event) -> String {
    #[derive(serde::Serialize)]
    struct Payload<'a> {
        event_id: &'a str,
        event: &'a str,
        object: &'a str,
        event_date: String,
        object_data: indexmap::IndexMap<String, serde_json::Value>,
    }
    let p = Payload {
        event_id: &e.event_id,
        event: &e.event,
        object: &e.object,
        event_date: crate::clock::iso8601(e.at),
        object_data: e.object_data(),
    };
    // Serialising strings and a map of JSON values cannot fail.
    serde_json::to_string(&p).unwrap_or_default()
}

/// The signature header's value for a body sent at `t`.
pub fn sign(secret: &str, t: i64, body: &str) -> String {
    format!(
        "t={t},v1={}",
        hmac_sha256_hex(secret, &format!("{t}.{body}"))
    )
}

fn hmac_sha256_hex(key: &str, message: &str) -> String {
    // HMAC takes keys of any length, so new_from_slice cannot fail here.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else {
        return String::new();
    };
    mac.update(message.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_of_time_dot_body() {
        // RFC 4231, test case 2.
        assert_eq!(
            hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let s = sign("Jefe", 1, "{}");
        assert_eq!(s, format!("t=1,v1={}", hmac_sha256_hex("Jefe", "1.{}")));
        assert!(s.starts_with("t=1,v1="));
        assert_eq!(s.len(), "t=1,v1=".len() + 64);
        assert_ne!(s, sign("Jefe", 2, "{}"));
        assert_ne!(s, sign("jefe", 1, "{}"));
    }

    #[test]
    fn payload_carries_the_poll_fields() {
        let e = Event {
            id: 1,
            reseller_id: 1,
            event_id: "0123456789abcdef0123456789abcdef".into(),
            event: "STATUS_CHANGE".into(),
            object: "TRANSFER".into(),
            at: 0,
            data: r#"{"domain_name":"a.com"}"#.into(),
        };
        let v: serde_json::Value = serde_json::from_str(&payload(&e)).unwrap_or_default();
        assert_eq!(v["event_date"], "1970-01-01T00:00:00Z");
        assert_eq!(v["object_data"]["domain_name"], "a.com");
    }
}
