//! Which email-domain pushes between companies may happen (seed 001), when the
//! gaining company's billing starts, and what the push writes: the audit row and the
//! notice to the gaining company. The mail console and the Email JSON API both push
//! through [`push`].

use crate::app::App;
use crate::store::{AuditEntry, Mail, MailPushPlan, StoreError, account};

/// One push, the losing company already authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailPush {
    pub losing: i64,
    pub gaining: i64,
    pub domain: String,
    pub now: i64,
    pub actor: String,
    pub client_ip: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailPushRefused {
    /// Not a domain of the losing company (or none at all).
    DomainNotFound,
    GainingUnknown,
    /// The gaining company does not list the losing company's id.
    NotAllowed,
    OtherCluster,
    SameCompany,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailPushDone {
    /// When the gaining company's billing for the domain starts.
    pub billing_starts_at: i64,
    /// The unlabelled, non-editable copy of the domain's brand now at the gaining
    /// company, if the domain had a brand.
    pub unlabelled_brand: Option<i64>,
    pub mailboxes: i64,
    pub messages: i64,
    pub bytes: i64,
}

/// Pushes the domain with every mailbox, message and setting to the gaining company,
/// or refuses without changing anything; the notice goes to the gaining company's
/// notification address when it has one.
pub fn push(app: &App, p: &MailPush) -> Result<Result<MailPushDone, MailPushRefused>, StoreError> {
    let store = &app.store;
    let Some(domain) = store.mail_domain(&p.domain)? else {
        return Ok(Err(MailPushRefused::DomainNotFound));
    };
    if domain.company_id != p.losing {
        return Ok(Err(MailPushRefused::DomainNotFound));
    }
    let Some(gaining) = store.mail_company(p.gaining)? else {
        return Ok(Err(MailPushRefused::GainingUnknown));
    };
    let Some(losing) = store.mail_company(p.losing)? else {
        return Ok(Err(MailPushRefused::DomainNotFound));
    };
    if gaining.id == losing.id {
        return Ok(Err(MailPushRefused::SameCompany));
    }
    if !gaining.push_allowed.contains(&losing.id) {
        return Ok(Err(MailPushRefused::NotAllowed));
    }
    if gaining.cluster != losing.cluster {
        return Ok(Err(MailPushRefused::OtherCluster));
    }
    let billing_starts_at = next_cycle_start(p.now, &gaining.billing_cycle, gaining.billing_day);
    let mut done = MailPushDone {
        billing_starts_at,
        unlabelled_brand: None,
        mailboxes: domain.mailboxes,
        messages: domain.messages,
        bytes: domain.bytes,
    };
    let notice = gaining
        .push_notify
        .as_deref()
        .filter(|t| !t.is_empty())
        .map(|to| {
            (
                notice(to, p, &done, domain.brand_id.is_some()),
                format!("<mailpush-{}-{}@opsd>", p.domain, p.now),
            )
        });
    let plan = MailPushPlan {
        domain: p.domain.clone(),
        losing: losing.id,
        gaining: gaining.id,
        billing_starts_at,
        billing_reason: format!("pushed from company {}", losing.id),
        audit: AuditEntry {
            at: p.now,
            actor: p.actor.clone(),
            actor_kind: account::MAIL_ADMIN.into(),
            action: "mail_push_domain".into(),
            subject: p.domain.clone(),
            detail: format!(
                "email domain pushed from company {} to company {} ({} mailboxes, {} messages); billing from {}",
                losing.id, gaining.id, done.mailboxes, done.messages, billing_starts_at
            ),
            client_ip: p.client_ip.clone(),
            gaining: Some(gaining.id.to_string()),
            gaining_kind: Some(account::COMPANY.into()),
        },
        notice,
        // A brand's settings travel, but as an unlabelled, non-editable copy owned
        // by the gaining company (the losing company's brand may serve other
        // domains).
        copy_brand: domain.brand_id,
        ended_roles: crate::rules::mail_roles::COMPANY_ROLES,
    };
    match store.mail_push(&plan) {
        Ok(brand) => {
            done.unlabelled_brand = brand;
            app.work.notify_one();
            Ok(Ok(done))
        }
        // Pushed away by someone else since it was read.
        Err(StoreError::NotFound) => Ok(Err(MailPushRefused::DomainNotFound)),
        Err(e) => Err(e),
    }
}

/// The email to the gaining company.
fn notice(to: &str, p: &MailPush, done: &MailPushDone, had_brand: bool) -> Mail {
    let billing = time::OffsetDateTime::from_unix_timestamp(done.billing_starts_at)
        .map(|t| t.date().to_string())
        .unwrap_or_default();
    Mail {
        to: to.to_string(),
        subject: format!("Email domain pushed to your company: {}", p.domain),
        body: format!(
            "Hello,\n\nCompany {losing} has pushed the email domain {domain} to your company ({gaining}), \
             with its {mb} mailboxes and {msgs} stored messages.\n\
             Billing for the domain starts with your next full billing cycle on {billing}.\n{brand}\n\
             -- \nopsd mail administration\n",
            losing = p.losing,
            gaining = p.gaining,
            domain = p.domain,
            mb = done.mailboxes,
            msgs = done.messages,
            brand = if had_brand {
                "The domain came with a brand; it is now unlabelled and cannot be edited. Create a brand and assign it to the domain.\n"
            } else {
                "The domain had no brand: your company's default settings apply to it now.\n"
            },
        ),
    }
}

/// The start of the first full billing cycle after `now`: the next `day` of a month
/// (monthly) or of January (yearly), at 00:00 UTC, strictly after `now`.
pub fn next_cycle_start(now: i64, cycle: &str, day: u8) -> i64 {
    use time::{Date, Month, OffsetDateTime};
    let day = day.clamp(1, 28);
    let Ok(t) = OffsetDateTime::from_unix_timestamp(now) else {
        return now;
    };
    let at = |y: i32, m: Month| {
        Date::from_calendar_date(y, m, day)
            .map(|d| d.midnight().assume_utc().unix_timestamp())
            .unwrap_or(now)
    };
    let (y, m) = (t.year(), t.month());
    if cycle == "yearly" {
        let this = at(y, Month::January);
        if this > now {
            this
        } else {
            at(y + 1, Month::January)
        }
    } else {
        let this = at(y, m);
        if this > now {
            this
        } else if m == Month::December {
            at(y + 1, Month::January)
        } else {
            at(y, m.next())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::parse_timestamp;

    fn ts(s: &str) -> i64 {
        parse_timestamp(s).map(|t| t.unix_timestamp()).unwrap_or(0)
    }

    #[test]
    fn next_full_cycle() {
        let now = ts("2026-11-23 10:00:00");
        assert_eq!(
            next_cycle_start(now, "monthly", 1),
            ts("2026-12-01 00:00:00")
        );
        assert_eq!(
            next_cycle_start(now, "monthly", 28),
            ts("2026-11-28 00:00:00")
        );
        assert_eq!(
            next_cycle_start(now, "monthly", 23),
            ts("2026-12-23 00:00:00")
        );
        assert_eq!(
            next_cycle_start(ts("2026-12-15 00:00:00"), "monthly", 1),
            ts("2027-01-01 00:00:00")
        );
        // Exactly at a cycle start: that cycle has begun, so the next one.
        assert_eq!(
            next_cycle_start(ts("2026-12-01 00:00:00"), "monthly", 1),
            ts("2027-01-01 00:00:00")
        );
        assert_eq!(
            next_cycle_start(now, "yearly", 1),
            ts("2027-01-01 00:00:00")
        );
        assert_eq!(
            next_cycle_start(ts("2026-01-01 00:00:00"), "yearly", 5),
            ts("2026-01-05 00:00:00")
        );
    }
}
