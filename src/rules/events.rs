//! Every event a reseller polls (POLL EVENT) or receives by webhook, made here and
//! nowhere else: its name, object and payload. The store writes them with the
//! change they tell of, in the same transaction, and only if that change was made.
//!
//! | event | object | when |
//! |---|---|---|
//! | `STATUS_CHANGE` | `TRANSFER` | a domain of a transfer job changes status; a transfer away starts or ends |
//! | `STATUS_CHANGE` | `ORDER` | a transfer order's OpenSRS status changes; a pending order is cancelled |
//! | `REGISTERED`, `RENEWED` | `DOMAIN` | SW_REGISTER, RENEW |
//! | `PUSHED_OUT`, `PUSHED_IN` | `DOMAIN` | a push between resellers |
//! | `DELETED`, `REDEEMED` | `DOMAIN` | REVOKE, REDEEM |
//! | `REGISTRANT_VERIFICATION_STATUS_CHANGE` | `DOMAIN` | a registrant verifies; the deadline suspends the domain |
//! | `LOCK_UPDATE`, `WHOIS_PRIVACY_UPDATE`, `CONTACT_UPDATE`, `EXPIRE_ACTION_UPDATE`, `AUTH_CODE_UPDATE`, `NAMESERVER_UPDATE`, `DNSSEC_UPDATE` | `DOMAIN` | MODIFY, UPDATE_CONTACTS, ADVANCED_UPDATE_NAMESERVERS, UPDATE_ALL_INFO |
//! | `DNS_ZONE_UPDATE`, `FORWARDING_UPDATE` | `DOMAIN` | the DNS zone and domain forwarding actions (`action` `created`, `updated`, `reset`, `deleted`) |
//! | `PARKPAGE_UPDATE`, `WHOIS_DISPLAY_UPDATE`, `FORWARDING_EMAIL_UPDATE`, `IPS_TAG_UPDATE`, `RSP_WHOIS_INFO_UPDATE`, `TLD_DATA_UPDATE`, `ACTIVATED` | `DOMAIN` | MODIFY of a TLD's setting or data, ACTIVATE |

use serde_json::{Value, json};

use super::notes;
use crate::status::{
    AwayStatus, DeletionReason, DomainSetting, DomainStatus, NoteScope, VerificationStatus,
};
use crate::store::{DomainChange, JobOwner, NewEvent, OrderDone};

/// An event with a fresh id (32 hex digits, the form clients ACK).
fn event(
    reseller_id: i64,
    event: &'static str,
    object: &'static str,
    at: i64,
    data: String,
) -> NewEvent {
    NewEvent {
        event_id: crate::auth::random_hex(16),
        reseller_id,
        event,
        object,
        at,
        data,
        notes: Vec::new(),
    }
}

/// A JSON object with its keys in the order given (clients see them so).
fn ordered(pairs: &[(&str, Value)]) -> String {
    let map: indexmap::IndexMap<&str, &Value> = pairs.iter().map(|(k, v)| (*k, v)).collect();
    serde_json::to_string(&map).unwrap_or_else(|_| "{}".into())
}

/// A domain of a transfer job, as its events name it.
#[derive(Debug, Clone, Copy)]
pub struct JobDomain<'a> {
    pub job_id: i64,
    pub position: i64,
    pub name: &'a str,
}

/// The events of a job's domain moving `from` → `to`: the transfer's
/// STATUS_CHANGE, and the order's when its OpenSRS status changes too
/// (pending → processed keeps `pending_owner`: no order event).
pub fn transfer_moved(
    owner: JobOwner,
    d: JobDomain<'_>,
    from: DomainStatus,
    to: DomainStatus,
    at: i64,
) -> Vec<NewEvent> {
    let mut out = vec![event(
        owner.reseller_id,
        "STATUS_CHANGE",
        "TRANSFER",
        at,
        ordered(&[
            // A job holds at most 10,000 domains: the id names one transfer.
            ("transfer_id", json!(d.job_id * 100_000 + d.position)),
            ("order_id", json!(d.job_id)),
            ("domain_name", json!(d.name)),
            ("transfer_status", json!(to.as_str())),
        ]),
    )];
    // A transfer order's notes, by its id (which is its transfer_id). The domains of
    // a SIMPLE_TRANSFER job have none: their states are the job's status reply, and a
    // note per move doubled the writes of analysing 19,200 domains on PostgreSQL.
    if let Some(order_id) = owner.order_id {
        out[0].notes.push(notes::of(
            NoteScope::Transfer,
            order_id,
            owner.reseller_id,
            d.name,
            notes::transfer_status(to.as_str()),
            at,
        ));
    }
    if to == DomainStatus::Completed {
        out[0].notes.push(notes::domain(
            owner.reseller_id,
            d.name,
            notes::TRANSFER_COMPLETED.into(),
            at,
        ));
    }
    let opensrs = |s| super::transfer::opensrs_status(Some(s));
    if let Some(order_id) = owner.order_id
        && opensrs(from) != opensrs(to)
    {
        out.push(event(
            owner.reseller_id,
            "STATUS_CHANGE",
            "ORDER",
            at,
            ordered(&[
                ("order_id", json!(order_id)),
                ("order_reg_type", json!("transfer")),
                ("domain_name", json!(d.name)),
                ("order_status", json!(opensrs(to))),
            ]),
        ));
    }
    out
}

/// A transfer away started or ended.
pub fn away(
    reseller_id: i64,
    domain: &str,
    gaining: &str,
    status: AwayStatus,
    at: i64,
) -> NewEvent {
    event(
        reseller_id,
        "STATUS_CHANGE",
        "TRANSFER",
        at,
        json!({
            "domain_name": domain,
            "transfer_direction": "away",
            "gaining_registrar": gaining,
            "transfer_status": status.as_str(),
        })
        .to_string(),
    )
}

/// A registration or renewal, as its event and notes tell of it.
#[derive(Debug, Clone, Copy)]
pub struct Ordered<'a> {
    pub kind: OrderEvent,
    pub reseller_id: i64,
    pub domain: &'a str,
    pub period: i64,
    /// The expiry it gives.
    pub expires: i64,
    pub cents: i64,
}

/// A registration (`REGISTERED`) or renewal (`RENEWED`), once the store has given
/// the order (and the domain) its id; with its notes (the order line, then the
/// outcome).
pub fn ordered_domain(o: &Ordered<'_>, done: OrderDone, at: i64) -> NewEvent {
    let (name, what, outcome) = match o.kind {
        OrderEvent::Registered => ("REGISTERED", "Registration", notes::REGISTERED.to_string()),
        OrderEvent::Renewed => (
            "RENEWED",
            "Renewal",
            notes::renewed(&crate::clock::unix_timestamp_text(o.expires)[..10]),
        ),
    };
    let mut e = event(
        o.reseller_id,
        name,
        "DOMAIN",
        at,
        json!({
            "domain_name": o.domain, "domain_id": done.domain_id, "order_id": done.order_id,
            "period": o.period, "expiration_date": crate::clock::iso8601(o.expires),
        })
        .to_string(),
    );
    let line = notes::order_line(done.order_id, what, o.period, o.cents);
    e.notes = vec![
        notes::domain(o.reseller_id, o.domain, line, at),
        notes::domain(o.reseller_id, o.domain, outcome, at),
    ];
    e
}

/// A pending order cancelled (PROCESS_PENDING `command=cancel`,
/// CANCEL_PENDING_ORDERS, CANCEL_ACTIVE_PROCESS), with the note in its order's
/// notes.
pub fn order_cancelled(reseller_id: i64, o: &crate::store::CancelledOrder, at: i64) -> NewEvent {
    let mut e = event(
        reseller_id,
        "STATUS_CHANGE",
        "ORDER",
        at,
        ordered(&[
            ("order_id", json!(o.id)),
            ("order_reg_type", json!(o.reg_type)),
            ("domain_name", json!(o.domain)),
            ("order_status", json!("cancelled")),
        ]),
    );
    e.notes = vec![notes::of(
        NoteScope::Order,
        o.id,
        reseller_id,
        &o.domain,
        notes::ORDER_CANCELLED.into(),
        at,
    )];
    e
}

/// The `req_type` a .dk registry's review queue (`xpack_waiting_history`) names
/// the request behind an event by; `None` for events that are no request.
pub fn xpack_request_type(event: &str) -> Option<&'static str> {
    Some(match event {
        "REGISTERED" => "domain_new_registration",
        "RENEWED" | "REDEEMED" => "domain_renewal",
        "PUSHED_IN" => "domain_transfer",
        "DELETED" => "domain_revoke",
        "LOCK_UPDATE"
        | "WHOIS_PRIVACY_UPDATE"
        | "CONTACT_UPDATE"
        | "EXPIRE_ACTION_UPDATE"
        | "AUTH_CODE_UPDATE"
        | "NAMESERVER_UPDATE"
        | "DNSSEC_UPDATE"
        | "TLD_DATA_UPDATE" => "domain_change",
        _ => return None,
    })
}

/// Which order [`ordered_domain`] tells of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderEvent {
    Registered,
    Renewed,
}

/// A push: `PUSHED_OUT` to the losing reseller, `PUSHED_IN` to the gaining one,
/// each with a note in its own notes of the domain.
pub fn pushed(
    domain: &str,
    (losing_id, losing): (i64, &str),
    (gaining_id, gaining): (i64, &str),
    at: i64,
) -> [NewEvent; 2] {
    let mut out = event(
        losing_id,
        "PUSHED_OUT",
        "DOMAIN",
        at,
        json!({"domain_name": domain, "gaining_reseller": gaining}).to_string(),
    );
    out.notes = vec![notes::domain(
        losing_id,
        domain,
        notes::pushed_out(gaining),
        at,
    )];
    let mut inward = event(
        gaining_id,
        "PUSHED_IN",
        "DOMAIN",
        at,
        json!({"domain_name": domain, "losing_reseller": losing}).to_string(),
    );
    inward.notes = vec![notes::domain(
        gaining_id,
        domain,
        notes::pushed_in(losing),
        at,
    )];
    [out, inward]
}

/// The event name of a change to a domain. NAMESERVER_UPDATE is OpenSRS's; the
/// others are opsd's names, in the same style.
pub fn change_name(change: &DomainChange) -> &'static str {
    match change {
        DomainChange::Lock(_) => "LOCK_UPDATE",
        DomainChange::WhoisPrivacy(_) => "WHOIS_PRIVACY_UPDATE",
        DomainChange::Contacts(_) => "CONTACT_UPDATE",
        DomainChange::ExpireAction { .. } => "EXPIRE_ACTION_UPDATE",
        DomainChange::AuthCode(_) => "AUTH_CODE_UPDATE",
        DomainChange::Nameservers(_) => "NAMESERVER_UPDATE",
        DomainChange::Dnssec(_) => "DNSSEC_UPDATE",
        DomainChange::TldData(_) => "TLD_DATA_UPDATE",
        DomainChange::Setting(key, _) => match key {
            DomainSetting::Activated => "ACTIVATED",
            DomainSetting::ParkPage => "PARKPAGE_UPDATE",
            DomainSetting::CaWhoisDisplay | DomainSetting::ItWhoisDisplay => "WHOIS_DISPLAY_UPDATE",
            DomainSetting::ForwardingEmail => "FORWARDING_EMAIL_UPDATE",
            DomainSetting::IpsTag => "IPS_TAG_UPDATE",
            DomainSetting::RspWhois => "RSP_WHOIS_INFO_UPDATE",
        },
    }
}

/// What a change's event (and its audit row) says about it, the domain named.
pub fn change_data(change: &DomainChange, domain: &str) -> Value {
    let mut data = match change {
        DomainChange::Lock(on) => json!({ "lock_state": u8::from(*on) }),
        DomainChange::WhoisPrivacy(on) => {
            json!({ "state": if *on { "enabled" } else { "disabled" } })
        }
        DomainChange::Contacts(_) => json!({}),
        DomainChange::ExpireAction {
            auto_renew,
            let_expire,
        } => json!({ "auto_renew": u8::from(*auto_renew), "let_expire": u8::from(*let_expire) }),
        // The code itself is a secret: neither the event nor the audit row shows it.
        DomainChange::AuthCode(_) => json!({}),
        DomainChange::Nameservers(ns) => json!({ "nameserver_list": ns }),
        DomainChange::Dnssec(records) => json!({
            "ds_records": super::dnssec::from_json(Some(records)).len()
        }),
        DomainChange::Setting(key, value) => json!({ key.as_str(): value }),
        DomainChange::TldData(_) => json!({}),
    };
    if let Some(m) = data.as_object_mut() {
        m.insert("domain_name".into(), domain.into());
    }
    data
}

/// The event of a change to one domain of `reseller_id`, with its note.
pub fn changed(reseller_id: i64, change: &DomainChange, domain: &str, at: i64) -> NewEvent {
    let mut e = event(
        reseller_id,
        change_name(change),
        "DOMAIN",
        at,
        change_data(change, domain).to_string(),
    );
    e.notes = vec![notes::domain(
        reseller_id,
        domain,
        notes::changed(change),
        at,
    )];
    e
}

/// The domain's DNS zone or forwarding changed (`DNS_ZONE_UPDATE`,
/// `FORWARDING_UPDATE`: opsd's names): `action` is `created`, `updated`, `reset`
/// or `deleted`; with its note ("DNS zone updated.").
pub fn hosted_changed(
    reseller_id: i64,
    domain: &str,
    what: crate::store::Hosted,
    action: &'static str,
    at: i64,
) -> NewEvent {
    let (name, noun) = match what {
        crate::store::Hosted::Zone => ("DNS_ZONE_UPDATE", "DNS zone"),
        crate::store::Hosted::Forwarding => ("FORWARDING_UPDATE", "Domain forwarding"),
    };
    let mut e = event(
        reseller_id,
        name,
        "DOMAIN",
        at,
        ordered(&[("domain_name", json!(domain)), ("action", json!(action))]),
    );
    e.notes = vec![notes::domain(
        reseller_id,
        domain,
        format!("{noun} {action}."),
        at,
    )];
    e
}

/// A registrant verification changed (`REGISTRANT_VERIFICATION_STATUS_CHANGE`, as
/// OpenSRS names it), with its note.
pub fn verification(
    reseller_id: i64,
    domain: &str,
    status: VerificationStatus,
    at: i64,
) -> NewEvent {
    let mut e = event(
        reseller_id,
        "REGISTRANT_VERIFICATION_STATUS_CHANGE",
        "DOMAIN",
        at,
        ordered(&[
            ("domain_name", json!(domain)),
            ("verification_status", json!(status.as_str())),
        ]),
    );
    e.notes = vec![notes::domain(
        reseller_id,
        domain,
        notes::verification(status),
        at,
    )];
    e
}

/// A domain deleted at the registry by REVOKE (`DELETED`), with its note.
pub fn revoked(reseller_id: i64, domain: &str, note: Option<&str>, at: i64) -> NewEvent {
    let mut e = event(
        reseller_id,
        "DELETED",
        "DOMAIN",
        at,
        json!({"domain_name": domain, "reason": DeletionReason::ByRequest.as_str()}).to_string(),
    );
    e.notes = vec![notes::domain(reseller_id, domain, notes::revoked(note), at)];
    e
}

/// A deleted domain back in the portfolio by REDEEM (`REDEEMED`), charged `cents`.
pub fn redeemed(reseller_id: i64, domain: &str, cents: i64, at: i64) -> NewEvent {
    let mut e = event(
        reseller_id,
        "REDEEMED",
        "DOMAIN",
        at,
        json!({"domain_name": domain}).to_string(),
    );
    e.notes = vec![notes::domain(
        reseller_id,
        domain,
        notes::redeemed(cents),
        at,
    )];
    e
}

/// A profile's account changed (`PROFILE_UPDATE`, object `PROFILE`): its
/// password, or its sub-user (`change` says which).
pub fn profile_updated(reseller_id: i64, profile: &str, change: &str, at: i64) -> NewEvent {
    event(
        reseller_id,
        "PROFILE_UPDATE",
        "PROFILE",
        at,
        ordered(&[("profile", json!(profile)), ("change", json!(change))]),
    )
}

/// A domain moved to another profile by CHANGE OWNERSHIP (`PROFILE_CHANGE`),
/// with its note.
pub fn owner_changed(reseller_id: i64, domain: &str, profile: &str, at: i64) -> NewEvent {
    let mut e = event(
        reseller_id,
        "PROFILE_CHANGE",
        "DOMAIN",
        at,
        ordered(&[("domain_name", json!(domain)), ("profile", json!(profile))]),
    );
    e.notes = vec![notes::domain(
        reseller_id,
        domain,
        format!("Moved to profile {profile}."),
        at,
    )];
    e
}

/// A sub-reseller made, changed or paid by its parent (`SUBRESELLER_UPDATE`,
/// object `RESELLER`), for the parent.
pub fn subreseller_updated(
    parent_id: i64,
    username: &str,
    change: &str,
    amount: Option<&str>,
    at: i64,
) -> NewEvent {
    let mut pairs = vec![("username", json!(username)), ("change", json!(change))];
    if let Some(a) = amount {
        pairs.push(("amount", json!(a)));
    }
    event(
        parent_id,
        "SUBRESELLER_UPDATE",
        "RESELLER",
        at,
        ordered(&pairs),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(data: &str) -> Vec<String> {
        let m: indexmap::IndexMap<String, Value> =
            serde_json::from_str(data).unwrap_or_else(|e| panic!("{data}: {e}"));
        m.keys().cloned().collect()
    }

    /// The transfer event's keys in the documented order; the order's event only
    /// when OpenSRS's status changes.
    #[test]
    fn transfer_events_and_their_order_events() {
        let owner = JobOwner {
            reseller_id: 7,
            order_id: Some(3),
        };
        let d = JobDomain {
            job_id: 2,
            position: 1,
            name: "a.com",
        };
        let quiet = transfer_moved(owner, d, DomainStatus::Pending, DomainStatus::Processed, 10);
        assert_eq!(quiet.len(), 1);
        assert_eq!(
            keys(&quiet[0].data),
            ["transfer_id", "order_id", "domain_name", "transfer_status"]
        );
        assert!(quiet[0].data.contains("\"transfer_id\":200001"));
        assert_eq!(quiet[0].event_id.len(), 32);
        let both = transfer_moved(
            owner,
            d,
            DomainStatus::Processed,
            DomainStatus::Cancelled,
            10,
        );
        assert_eq!(both.len(), 2);
        assert_eq!(both[1].object, "ORDER");
        assert_eq!(
            keys(&both[1].data),
            ["order_id", "order_reg_type", "domain_name", "order_status"]
        );
        assert!(both[1].data.contains("\"order_status\":\"cancelled\""));
        let job = JobOwner {
            reseller_id: 7,
            order_id: None,
        };
        assert_eq!(
            transfer_moved(job, d, DomainStatus::Processed, DomainStatus::Cancelled, 10).len(),
            1
        );
    }

    #[test]
    fn the_auth_code_is_never_in_an_event() {
        let e = changed(1, &DomainChange::AuthCode("s3cret-code".into()), "a.com", 5);
        assert!(!e.data.contains("s3cret"), "{}", e.data);
        assert_eq!(e.event, "AUTH_CODE_UPDATE");
    }
}
