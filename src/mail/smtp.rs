//! Delivery over SMTP with lettre, to the relay named by `OPSD_SMTP_URL`
//! (`smtp://host:port`).

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::{SmtpTransport, Transport};

use super::{MailError, Mailer};
use crate::store::Mail;

#[derive(Clone)]
pub struct Smtp {
    transport: SmtpTransport,
    from: Mailbox,
    url: String,
}

// The transport holds credentials when the URL has them: show the host part only.
impl std::fmt::Debug for Smtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let host = self.url.rsplit('@').next().unwrap_or(&self.url);
        f.debug_struct("Smtp")
            .field("relay", &host)
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl Smtp {
    pub fn new(url: &str, from: &str) -> Result<Smtp, MailError> {
        let bad = |why: &str| MailError::Delivery(format!("SMTP URL '{url}': {why}"));
        // smtp://[user:password@]host[:port]; no TLS feature is built in, so a relay
        // on the same host or network is the supported set-up.
        let rest = url
            .strip_prefix("smtp://")
            .ok_or_else(|| bad("must start with smtp://"))?;
        let rest = rest.trim_end_matches('/');
        let (creds, hostport) = match rest.rsplit_once('@') {
            Some((c, h)) => (Some(c), h),
            None => (None, rest),
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (
                h,
                p.parse::<u16>().map_err(|_| bad("port is not a number"))?,
            ),
            None => (hostport, 25),
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let mut builder = SmtpTransport::builder_dangerous(host)
            .port(port)
            .timeout(Some(Duration::from_secs(20)));
        if let Some(c) = creds {
            let (user, pass) = c.split_once(':').unwrap_or((c, ""));
            builder =
                builder.credentials(lettre::transport::smtp::authentication::Credentials::new(
                    user.to_string(),
                    pass.to_string(),
                ));
        }
        let transport = builder.build();
        let from = from
            .parse::<Mailbox>()
            .map_err(|e| MailError::Delivery(format!("sender '{from}': {e}")))?;
        Ok(Smtp {
            transport,
            from,
            url: url.to_string(),
        })
    }
}

impl Mailer for Smtp {
    fn send(&self, mail: &Mail, message_id: &str) -> Result<(), MailError> {
        let to = mail
            .to
            .parse::<Mailbox>()
            .map_err(|e| MailError::Permanent(format!("recipient '{}': {e}", mail.to)))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(message_id.to_string()))
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|e| MailError::Delivery(e.to_string()))?;
        self.transport.send(&message).map(|_| ()).map_err(|e| {
            if e.is_permanent() {
                MailError::Permanent(e.to_string())
            } else {
                MailError::Delivery(e.to_string())
            }
        })
    }
}
