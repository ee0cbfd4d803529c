//! Every event a reseller polls (POLL EVENT) or receives by webhook, made here and
//! nowhere else: its name, object and payload. The store writes them with the
//! change they tell of, in the same transaction, and only if that change was made.
//!
//! | event | object | when |
//! |---|---|---|
//! | `STATUS_CHANGE` | `TRANSFER` | a domain of a transfer job changes status; a transfer away starts or ends |
//! | `STATUS_CHANGE` | `ORDER` | a transfer order's OpenSRS status changes |
//! | `REGISTERED`, `RENEWED` | `DOMAIN` | SW_REGISTER, RENEW |
//! | `PUSHED_OUT`, `PUSHED_IN` | `DOMAIN` | a push between resellers |
//! | `LOCK_UPDATE`, `WHOIS_PRIVACY_UPDATE`, `CONTACT_UPDATE`, `EXPIRE_ACTION_UPDATE`, `AUTH_CODE_UPDATE`, `NAMESERVER_UPDATE` | `DOMAIN` | MODIFY, UPDATE_CONTACTS, ADVANCED_UPDATE_NAMESERVERS |

use serde_json::{Value, json};

use crate::status::{AwayStatus, DomainStatus};
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

/// A registration (`REGISTERED`) or renewal (`RENEWED`) of `period` years to
/// `expires`, once the store has given the order (and the domain) its id.
pub fn ordered_domain(
    kind: OrderEvent,
    reseller_id: i64,
    domain: &str,
    period: i64,
    expires: i64,
    done: OrderDone,
    at: i64,
) -> NewEvent {
    let name = match kind {
        OrderEvent::Registered => "REGISTERED",
        OrderEvent::Renewed => "RENEWED",
    };
    event(
        reseller_id,
        name,
        "DOMAIN",
        at,
        json!({
            "domain_name": domain, "domain_id": done.domain_id, "order_id": done.order_id,
            "period": period, "expiration_date": crate::clock::iso8601(expires),
        })
        .to_string(),
    )
}

/// Which order [`ordered_domain`] tells of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderEvent {
    Registered,
    Renewed,
}

/// A push: `PUSHED_OUT` to the losing reseller, `PUSHED_IN` to the gaining one.
pub fn pushed(
    domain: &str,
    (losing_id, losing): (i64, &str),
    (gaining_id, gaining): (i64, &str),
    at: i64,
) -> [NewEvent; 2] {
    [
        event(
            losing_id,
            "PUSHED_OUT",
            "DOMAIN",
            at,
            json!({"domain_name": domain, "gaining_reseller": gaining}).to_string(),
        ),
        event(
            gaining_id,
            "PUSHED_IN",
            "DOMAIN",
            at,
            json!({"domain_name": domain, "losing_reseller": losing}).to_string(),
        ),
    ]
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
    };
    if let Some(m) = data.as_object_mut() {
        m.insert("domain_name".into(), domain.into());
    }
    data
}

/// The event of a change to one domain of `reseller_id`.
pub fn changed(reseller_id: i64, change: &DomainChange, domain: &str, at: i64) -> NewEvent {
    event(
        reseller_id,
        change_name(change),
        "DOMAIN",
        at,
        change_data(change, domain).to_string(),
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
