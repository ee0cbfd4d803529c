//! Registrant verification, as ICANN's 2013 RAA makes OpenSRS do it: a gTLD
//! registration, a transfer in (unless its owner approved it from the emailed link,
//! which proves the address) or a new registrant address, whose address has not
//! verified before, starts one; the registrant gets a link to a page where they verify; with
//! no answer in [`WINDOW_SECS`] the domain is suspended until they do. In the
//! sandbox an address with `bounce` in it bounces: no mail goes out and the status
//! says `email_bounced` 1.

use crate::app::App;
use crate::status::VerificationStatus;
use crate::store::{Mail, NewVerification, StoreError, VerificationView, Written};

/// How long a registrant has to verify (ICANN: 15 days).
pub const WINDOW_SECS: i64 = 15 * 86_400;

/// Whether a registration of `domain` needs one: gTLDs do, two-letter country
/// codes follow their own registries' rules and do not.
pub fn applies(domain: &str) -> bool {
    let tld = domain.rsplit('.').next().unwrap_or(domain);
    tld.len() != 2
}

/// The owner's address in a stored contact set (JSON), lower-cased.
pub fn owner_email(contacts: Option<&str>) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(contacts?).ok()?;
    v.get("owner")?
        .get("email")?
        .as_str()
        .map(|e| e.trim().to_ascii_lowercase())
        .filter(|e| !e.is_empty())
}

/// The sandbox's magic: an address that bounces.
pub fn bounces(email: &str) -> bool {
    email.to_ascii_lowercase().contains("bounce")
}

/// The verification a registration of `domain` to `owner_email` starts, if any:
/// already verified when the address verified before for this reseller, else
/// waiting for the registrant with its email (none for an address that bounces).
pub fn plan(
    app: &App,
    reseller_id: i64,
    domain: &str,
    owner_email: &str,
    now: i64,
) -> Result<Option<NewVerification>, StoreError> {
    if !applies(domain) {
        return Ok(None);
    }
    let email = owner_email.trim().to_ascii_lowercase();
    let (token, csrf) = super::approval::tokens();
    let known = app.store.email_verified(reseller_id, &email)?;
    let bounced = !known && bounces(&email);
    let status = if known {
        VerificationStatus::Verified
    } else {
        VerificationStatus::Verifying
    };
    let mail = (status == VerificationStatus::Verifying && !bounced).then(|| {
        (
            mail(&app.config.public_url, domain, &email, &token),
            message_id(&token),
        )
    });
    Ok(Some(NewVerification {
        reseller_id,
        domain: domain.to_string(),
        email,
        status,
        token,
        csrf,
        deadline: now + WINDOW_SECS,
        bounced,
        mail,
        now,
    }))
}

fn message_id(token: &str) -> String {
    format!(
        "<verify-{}-{}@opsd>",
        &token[..16.min(token.len())],
        crate::auth::random_hex(4)
    )
}

/// The email that asks the registrant to verify.
pub fn mail(public_url: &str, domain: &str, to: &str, token: &str) -> Mail {
    let base = public_url.trim_end_matches('/');
    Mail {
        to: to.to_string(),
        subject: format!("Please verify your contact information for {domain}"),
        body: format!(
            "Hello,\n\nThe domain name {domain} was registered (or its registrant changed) with \
             this email address as the registrant's.\n\nICANN requires that the registrant confirm \
             the address. To verify it, open:\n\n  {base}/verify/{token}\n\n\
             If it is not verified within 15 days, the domain will be suspended until it is.\n"
        ),
    }
}

/// Days left before the suspension, rounded up; negative once suspended.
pub fn days_to_suspend(deadline: i64, now: i64) -> i64 {
    let left = deadline - now;
    if left >= 0 {
        (left + 86_399) / 86_400
    } else {
        -((-left) / 86_400) - 1
    }
}

/// Why SEND_REGISTRANT_VERIFICATION_EMAIL sent nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotResent {
    /// No verification waits for the registrant (none started, or verified).
    NotStarted,
    /// The address bounces.
    Bounced,
}

/// Sends a waiting (or suspended) verification's email again.
pub fn resend(app: &App, v: &VerificationView) -> Result<Result<(), NotResent>, StoreError> {
    if v.status == VerificationStatus::Verified {
        return Ok(Err(NotResent::NotStarted));
    }
    if v.bounced {
        return Ok(Err(NotResent::Bounced));
    }
    let mail = mail(&app.config.public_url, &v.domain, &v.email, &v.token);
    match app
        .store
        .resend_verification(v.id, v.status, &mail, &message_id(&v.token), app.now())?
    {
        Written::Done(()) => {
            app.work.notify_one();
            Ok(Ok(()))
        }
        Written::Stopped(_) => Ok(Err(NotResent::NotStarted)),
    }
}

/// The registrant verified on the page: a waiting or suspended verification is
/// verified (a suspension lifted). Whether it changed.
pub fn verify(app: &App, v: &VerificationView) -> Result<bool, StoreError> {
    if v.status == VerificationStatus::Verified {
        return Ok(false);
    }
    let now = app.now();
    let event =
        super::events::verification(v.reseller_id, &v.domain, VerificationStatus::Verified, now);
    Ok(matches!(
        app.store.move_verification(
            v.id,
            v.status,
            VerificationStatus::Verified,
            &event,
            None,
            now
        )?,
        Written::Done(())
    ))
}

/// Deadlines that came, by `(task, verification)`: one still waiting for its
/// registrant is suspended.
pub fn deadlines(app: &App, items: &[(i64, i64)], now: i64) -> Result<(), StoreError> {
    for &(task_id, id) in items {
        let Some(v) = app.store.verification_by_id(id)? else {
            continue;
        };
        let event = super::events::verification(
            v.reseller_id,
            &v.domain,
            VerificationStatus::Suspended,
            now,
        );
        // Verified meanwhile: the task is done and nothing changes.
        app.store.move_verification(
            id,
            VerificationStatus::Verifying,
            VerificationStatus::Suspended,
            &event,
            Some(task_id),
            now,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_count_up_to_the_deadline_then_below_zero() {
        let d = 1_000_000;
        assert_eq!(days_to_suspend(d, d - WINDOW_SECS), 15);
        assert_eq!(days_to_suspend(d, d - 1), 1);
        assert_eq!(days_to_suspend(d, d), 0);
        assert_eq!(days_to_suspend(d, d + 1), -1);
        assert_eq!(days_to_suspend(d, d + 86_400), -2);
        assert!(applies("example.com") && !applies("example.ca"));
        assert!(bounces("Owner@Bounce.example.net") && !bounces("owner@example.net"));
    }
}
