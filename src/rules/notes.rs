//! The words of domain notes (GET_NOTES), in one place: what OpenSRS writes where a
//! capture shows it (`Order #1855625: Domain Registration (1 year: $11.62);`,
//! `Domain registration successfully completed.`, `Domain set to Auto Renew.`,
//! `Let-expire setting disabled.`), opsd's own sentences in the same style where
//! none does (listed in docs/api.md as chosen). Each note is made with the event
//! of its change and written in the same transaction.

use crate::money::format_cents;
use crate::status::NoteScope;
use crate::store::{DomainChange, NewNote};

/// A note among the domain's own.
pub fn domain(reseller_id: i64, domain: &str, note: String, at: i64) -> NewNote {
    NewNote {
        reseller_id,
        domain: domain.to_string(),
        scope: NoteScope::Domain,
        ref_id: None,
        note,
        at,
    }
}

/// A note of one order (`scope` order) or transfer (`scope` transfer).
pub fn of(
    scope: NoteScope,
    id: i64,
    reseller_id: i64,
    domain: &str,
    note: String,
    at: i64,
) -> NewNote {
    NewNote {
        reseller_id,
        domain: domain.to_string(),
        scope,
        ref_id: Some(id),
        note,
        at,
    }
}

fn years(period: i64) -> String {
    if period == 1 {
        "1 year".into()
    } else {
        format!("{period} years")
    }
}

/// The order line OpenSRS writes in a domain's notes (`Order #1855625: Domain
/// Registration (1 year: $11.62);`).
pub fn order_line(order_id: i64, what: &str, period: i64, cents: i64) -> String {
    format!(
        "Order #{order_id}: Domain {what} ({}: ${});",
        years(period),
        format_cents(cents)
    )
}

pub const REGISTERED: &str = crate::codes::NOTE_REGISTERED;

/// After a renewal, to the new expiry date (`YYYY-MM-DD`).
pub fn renewed(until: &str) -> String {
    format!("Domain renewal successfully completed; expires {until}.")
}

/// What one change to a domain writes in its notes.
pub fn changed(change: &DomainChange) -> String {
    match change {
        DomainChange::Lock(true) => "Domain locked.".into(),
        DomainChange::Lock(false) => "Domain unlocked.".into(),
        DomainChange::WhoisPrivacy(true) => "WHOIS privacy enabled.".into(),
        DomainChange::WhoisPrivacy(false) => "WHOIS privacy disabled.".into(),
        DomainChange::Contacts(_) => "Contact information updated.".into(),
        DomainChange::ExpireAction {
            auto_renew,
            let_expire,
        } => format!(
            "{} Let-expire setting {}.",
            if *auto_renew {
                "Domain set to Auto Renew."
            } else {
                "Auto Renew disabled."
            },
            if *let_expire { "enabled" } else { "disabled" }
        ),
        DomainChange::AuthCode(_) => "Domain auth code changed.".into(),
        DomainChange::Nameservers(ns) => format!("Nameservers changed to {}.", ns.join(", ")),
        DomainChange::Dnssec(json) => match super::dnssec::from_json(Some(json)).len() {
            0 => "DNSSEC records removed.".into(),
            1 => "DNSSEC records set: 1 DS record.".into(),
            n => format!("DNSSEC records set: {n} DS records."),
        },
        DomainChange::TldData(_) => "TLD data updated.".into(),
        DomainChange::Setting(key, value) => {
            use crate::status::DomainSetting as S;
            match key {
                S::Activated => "Domain activated.".into(),
                S::ParkPage => format!("Parked page turned {value}."),
                S::CaWhoisDisplay | S::ItWhoisDisplay => {
                    format!("WHOIS display setting changed to {value}.")
                }
                S::ForwardingEmail => format!("Forwarding email set to {value}."),
                S::IpsTag => format!("Domain released to IPS tag {value}."),
                S::RspWhois => format!("Reseller WHOIS information turned {value}."),
            }
        }
    }
}

pub fn pushed_out(gaining: &str) -> String {
    format!("Domain pushed to reseller {gaining}.")
}

pub fn pushed_in(losing: &str) -> String {
    format!("Domain pushed in from reseller {losing}.")
}

/// A transfer's status as its notes tell it.
pub fn transfer_status(status: &str) -> String {
    format!("Transfer status changed to {status}.")
}

pub const TRANSFER_COMPLETED: &str = "Domain transfer successfully completed.";

/// A pending order cancelled before it was carried out.
pub const ORDER_CANCELLED: &str = "Order cancelled.";

/// REVOKE, with the request's own `notes` when it sends some.
pub fn revoked(extra: Option<&str>) -> String {
    match extra {
        Some(n) => format!("Domain revoked: {n}"),
        None => "Domain revoked.".into(),
    }
}

/// A registrant verification's new status.
pub fn verification(status: crate::status::VerificationStatus) -> String {
    use crate::status::VerificationStatus as V;
    match status {
        V::Verifying => "Registrant verification started.".into(),
        V::Verified => "Registrant verified.".into(),
        V::Suspended => "Domain suspended: the registrant was not verified in time.".into(),
    }
}

/// REDEEM, charged `cents`.
pub fn redeemed(cents: i64) -> String {
    format!("Domain redeemed (${}).", format_cents(cents))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The captured order line, to the character.
    #[test]
    fn the_order_line_is_written_as_captured() {
        assert_eq!(
            order_line(1_855_625, "Registration", 1, 1162),
            "Order #1855625: Domain Registration (1 year: $11.62);"
        );
        assert_eq!(
            order_line(7, "Renewal", 3, 3000),
            "Order #7: Domain Renewal (3 years: $30.00);"
        );
        assert_eq!(
            changed(&DomainChange::ExpireAction {
                auto_renew: true,
                let_expire: false
            }),
            "Domain set to Auto Renew. Let-expire setting disabled."
        );
    }
}
