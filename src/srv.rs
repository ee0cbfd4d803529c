//! The CentralNic-style registry toolkit call `POST /srv/push_domain` (seed 002,
//! actions.md §8): a form in, plain `Key: value` lines out. A registrar pushes one of
//! its domains to another registrar account at once; `test=1` runs the same rules on
//! the separate test database and sends no email.

use std::net::IpAddr;

use crate::app::App;
use crate::auth;
use crate::pages::Form;
use crate::rules::registry_push::{self, RegistryPushRefused};
use crate::store::{Mail, RegistryPush, Store};

/// The success reply, as seed 002 shows it.
pub const DONE: &str = "Status: 0\nMessage: domain has been transferred.\n";

/// The message of a failure on our side (the detail goes to the log).
pub const INTERNAL: &str = "Internal error; please try again later.";

/// Longest value taken from any field; longer ones are refused as malformed.
const FIELD_MAX: usize = 1024;

/// An error reply: a fresh transaction id (also logged), status 1 and the message.
pub fn failure(message: &str) -> String {
    let id = auth::random_hex(16);
    tracing::info!(transaction_id = %id, message, "srv push_domain refused");
    format!("Transaction-ID: {id}\nStatus: 1\nMessage: {message}\n")
}

/// A reply, and the registrar whose password passed (the journal keeps the
/// request of an authenticated registrar only, in its own window).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub text: String,
    pub registrar: Option<String>,
}

impl Answer {
    /// A failure before anyone authenticated.
    pub fn refused(message: &str) -> Answer {
        Answer {
            text: failure(message),
            registrar: None,
        }
    }
}

/// Answers one `/srv/push_domain` form.
pub fn push_domain(app: &App, form: &Form, peer: IpAddr) -> Answer {
    let mut registrar = None;
    let text = answer(app, form, peer, &mut registrar);
    Answer { text, registrar }
}

fn answer(app: &App, form: &Form, peer: IpAddr, registrar: &mut Option<String>) -> String {
    let test = match form.get("test").map(str::trim) {
        None | Some("" | "0") => false,
        Some("1") => true,
        Some(_) => return failure("Invalid parameter: test."),
    };
    let mut values = [""; 4];
    for (value, name) in values
        .iter_mut()
        .zip(["user", "password", "domain", "handle"])
    {
        *value = form.get(name).map(str::trim).unwrap_or("");
        if value.is_empty() {
            return failure(&format!("Missing parameter: {name}."));
        }
        if value.len() > FIELD_MAX {
            return failure(&format!("Invalid parameter: {name}."));
        }
    }
    let [user, password, domain, handle] = values;
    let store: &Store = if test {
        match app.test_store() {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "test database unavailable");
                return failure(INTERNAL);
            }
        }
    } else {
        &app.store
    };
    if !is_handle(handle) {
        return failure("Invalid parameter: handle.");
    }
    let found = match store.registrar(user) {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "registrar lookup failed");
            return failure(INTERNAL);
        }
    };
    // Known and unknown handles cost the same crypt work, through the login throttle.
    let verifier = found.as_ref().map(|r| r.password_crypt.as_str());
    let account = format!("registrar:{}", user.to_ascii_uppercase());
    match app.logins.attempt(&account, peer, || {
        Ok::<bool, std::convert::Infallible>(auth::md5_crypt_matches(password, verifier))
    }) {
        Ok(Ok(true)) => *registrar = Some(user.to_ascii_uppercase()),
        Ok(_) => return failure("Authentication failed."),
        Err(refused) => {
            return failure(&format!(
                "Too many failed logins; try again in {} minutes.",
                refused.minutes()
            ));
        }
    }
    let push = RegistryPush {
        losing: user.to_string(),
        gaining: handle.to_string(),
        domain: domain.trim_end_matches('.').to_lowercase(),
        now: app.now(),
        client_ip: peer.to_string(),
    };
    let compose = |to: &str| notice(to, &push);
    let notice: Option<&dyn Fn(&str) -> Mail> = if test { None } else { Some(&compose) };
    match registry_push::push(store, &push, notice) {
        Ok(Ok(done)) => {
            tracing::info!(
                domain = %push.domain, losing = %push.losing, gaining = %push.gaining, test,
                invoices = done.invoices_reissued, "srv push_domain done"
            );
            if !test {
                app.work.notify_one();
            }
            DONE.to_string()
        }
        Ok(Err(refused)) => failure(&match refused {
            RegistryPushRefused::DomainNotFound => "Domain not found.".to_string(),
            RegistryPushRefused::NotLive => "Domain is not Live.".to_string(),
            RegistryPushRefused::GainingOptedOut => {
                format!("Gaining handle '{handle}' is refusing transfers.")
            }
            RegistryPushRefused::GainingUnknown => {
                format!("Gaining handle '{handle}' does not exist.")
            }
            RegistryPushRefused::GainingIsLosing => {
                format!("Gaining handle '{handle}' is your own account.")
            }
        }),
        Err(e) => {
            tracing::error!(error = %e, "srv push_domain failed");
            failure(INTERNAL)
        }
    }
}

/// Registrar handles are letters, digits, `-` and `_` (`H12345`): anything else,
/// a line break above all, would be echoed into the reply and the log.
fn is_handle(s: &str) -> bool {
    s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The email to the gaining registrar.
fn notice(to: &str, p: &RegistryPush) -> Mail {
    Mail {
        to: to.to_string(),
        subject: format!("Domain pushed to your account: {}", p.domain),
        body: format!(
            "Hello,\n\nThe registrar {losing} has pushed the domain name {domain} to your registrar account {gaining}.\n\
             It is on your account from now on. Outstanding invoices for it, if any, were credited to {losing} and re-issued to you.\n\n\
             -- \nopsd registry\n",
            losing = p.losing,
            gaining = p.gaining,
            domain = p.domain,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_carry_a_fresh_transaction_id() {
        let a = failure("Domain not found.");
        let b = failure("Domain not found.");
        assert_ne!(a, b);
        let lines: Vec<&str> = a.lines().collect();
        assert_eq!(lines.len(), 3);
        let id = lines[0].strip_prefix("Transaction-ID: ").unwrap_or("");
        assert!(id.len() == 32 && id.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(&lines[1..], ["Status: 1", "Message: Domain not found."]);
    }
}
