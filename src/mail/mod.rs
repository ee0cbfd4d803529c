//! Outgoing mail. Every message is first a row of the outbox (written in the same
//! transaction as the step that causes it); a [`Mailer`] then delivers it. The sandbox
//! mailer delivers nowhere: the outbox is the mail viewer (`opsd mail list`).

mod smtp;

pub use smtp::Smtp;

use std::sync::Arc;

use crate::store::Mail;

/// Sender of opsd's mail when none is configured.
pub const DEFAULT_FROM: &str = "opsd <noreply@opsd.invalid>";

/// The mailer the configuration asks for: SMTP when a relay URL is set, else the
/// sandbox outbox.
pub fn from_config(smtp_url: Option<&str>, from: &str) -> Result<Arc<dyn Mailer>, MailError> {
    Ok(match smtp_url {
        Some(url) => Arc::new(Smtp::new(url, from)?),
        None => Arc::new(OutboxOnly),
    })
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// May work later (the relay is down, a 4xx answer).
    #[error("mail delivery failed: {0}")]
    Delivery(String),
    /// Will never work (no such address, a 5xx answer): not retried.
    #[error("mail refused for good: {0}")]
    Permanent(String),
}

pub trait Mailer: Send + Sync + std::fmt::Debug {
    /// Delivers one message; `message_id` is stable across retries so that a receiver
    /// can drop a duplicate after a crash between delivery and bookkeeping.
    fn send(&self, mail: &Mail, message_id: &str) -> Result<(), MailError>;
}

/// The sandbox mailer: keeps mail in the outbox only.
#[derive(Debug, Default, Clone, Copy)]
pub struct OutboxOnly;

impl Mailer for OutboxOnly {
    fn send(&self, _mail: &Mail, _message_id: &str) -> Result<(), MailError> {
        Ok(())
    }
}

/// One `@` with text on both sides and a dot inside the domain part: enough to catch
/// a typo in a form or an API call; the relay is the real judge.
pub fn plausible_address(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !s.contains(char::is_whitespace)
        }
        None => false,
    }
}

#[cfg(test)]
mod address_tests {
    use super::plausible_address;

    #[test]
    fn addresses() {
        assert!(plausible_address("ops@example.com"));
        for bad in [
            "",
            "ops",
            "@example.com",
            "ops@example",
            "a b@example.com",
            "a@b@c.com",
            "a@.com",
        ] {
            assert!(!plausible_address(bad), "{bad}");
        }
    }
}
