//! Profile password resets (SEND_PASSWORD on DOMAIN): who is mailed, with which
//! link, for how long, and what a new password must be. opsd keeps only password
//! hashes, so — as OpenSRS's documentation describes the call today — the contact
//! gets a link to set a new password, not the password itself.

use crate::app::App;
use crate::store::{Mail, NewPasswordReset};

/// How long a link works.
pub const LIFETIME_SECS: i64 = 86_400;

/// A new profile password: 8 to 128 characters, none of them a control
/// character (chosen; OpenSRS documents no rule).
pub fn acceptable(password: &str) -> Result<(), &'static str> {
    let n = password.chars().count();
    if !(8..=128).contains(&n) {
        return Err("The password must have 8 to 128 characters.");
    }
    if password.chars().any(char::is_control) {
        return Err("The password must not contain control characters.");
    }
    Ok(())
}

/// The link for `username`'s profile, mailed to `to` (the domain's contact), and
/// the token it carries (kept only as its hash).
pub fn plan(
    app: &App,
    (reseller_id, profile_id, username): (i64, i64, &str),
    domain: &str,
    to: &str,
    now: i64,
) -> NewPasswordReset {
    let (token, csrf) = super::approval::tokens();
    let base = app.config.public_url.trim_end_matches('/');
    let mail = Mail {
        to: to.to_string(),
        subject: format!("Set the password of the profile for {domain}"),
        body: format!(
            "Hello,\n\nA password reset was asked for the profile \"{username}\", which holds \
             the domain name {domain}. To set a new password, open:\n\n  {base}/password/{token}\n\n\
             The link works once, within 24 hours. If you did not ask for this, ignore this \
             email: the password stays as it is.\n"
        ),
    };
    NewPasswordReset {
        token_hash: crate::auth::token_hash(&token),
        reseller_id,
        profile_id,
        domain: domain.to_string(),
        email: to.to_string(),
        csrf,
        now,
        expires_at: now + LIFETIME_SECS,
        mail,
        message_id: format!("<password-{}@opsd>", crate::auth::random_hex(8)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_need_eight_printable_characters() {
        assert!(acceptable("short").is_err());
        assert!(acceptable("long enough").is_ok());
        assert!(acceptable("tab\tinside!").is_err());
        assert!(acceptable(&"x".repeat(129)).is_err());
    }
}
