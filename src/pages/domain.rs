//! One domain as the control panel (its reseller) and the dashboard (the operator)
//! show it: its state, its registrant verification, its orders, its DNS zone and
//! forwarding, and its notes — what GET status,
//! GET_REGISTRANT_VERIFICATION_STATUS, GET_ORDERS_BY_DOMAIN, GET_DNS_ZONE,
//! GET_DOMAIN_FORWARDING and GET_NOTES answer over the API, read the same way.

use minijinja::{Value, context};

use crate::app::App;
use crate::rules::orders::{order_status, order_type};
use crate::status::NoteScope;
use crate::store::StoreError;

use super::time;

/// Notes shown on the page, newest first (GET_NOTES's default page).
const NOTES_SHOWN: i64 = 40;

/// The page's context for `reseller_id`'s domain `name`; `None` when the reseller
/// does not hold it (another's domain is a page that does not exist).
pub fn context(app: &App, reseller_id: i64, name: &str) -> Result<Option<Value>, StoreError> {
    let store = &app.store;
    let Some(d) = store.domain_record(reseller_id, name)? else {
        return Ok(None);
    };
    let now = app.now();
    let verification = store.verification(reseller_id, name)?.map(|v| {
        context! {
            status => v.status.as_str(),
            email => v.email,
            deadline => time(v.deadline),
            bounced => v.bounced,
            days_left => (v.deadline - now).max(0) / 86_400,
        }
    });
    let orders: Vec<Value> = store
        .orders_of_domain(reseller_id, name)?
        .iter()
        .map(|o| {
            context! {
                id => o.id,
                kind => order_type(o),
                status => order_status(o),
                period => o.period,
                cost => crate::money::format_cents(o.price_cents),
                when => time(o.created_at),
            }
        })
        .collect();
    let zone = store.dns_zone(reseller_id, name)?.map(|z| {
        let records: Vec<Value> = crate::rules::dns::from_json(&z.records)
            .iter()
            .map(|r| {
                let host = if r.subdomain.is_empty() {
                    d.name.clone()
                } else {
                    format!("{}.{}", r.subdomain, d.name)
                };
                context! { kind => r.data.type_name(), host, data => record_data(&r.data) }
            })
            .collect();
        context! {
            serial => z.serial,
            template => z.template,
            updated => time(z.updated_at),
            records,
        }
    });
    let forwarding: Option<Vec<Value>> =
        store.domain_forwarding(reseller_id, name)?.map(|stored| {
            crate::rules::forwarding::from_json(&stored)
                .iter()
                .map(|f| {
                    let host = match f.subdomain.as_str() {
                        "" => d.name.clone(),
                        sub => format!("{sub}.{}", d.name),
                    };
                    context! {
                        host, to => f.destination_url, masked => f.masked, enabled => f.enabled,
                    }
                })
                .collect()
        });
    // The profile that holds it: its name, its other domains, its sub-user.
    let profile = match store.profile_by_id(reseller_id, d.profile_id)? {
        Some(p) => {
            let domains: Vec<String> = store
                .profile_domains(reseller_id, p.id)?
                .into_iter()
                .map(|(_, n)| n)
                .collect();
            let subuser = store.subuser_of_profile(reseller_id, p.id)?.map(|s| {
                context! {
                    username => s.username,
                    permission => s.permission,
                    rights => crate::rules::accounts::rights(s.permission).join(", "),
                }
            });
            Some(context! { username => p.username, domains, subuser })
        }
        None => None,
    };
    let notes = store.notes(reseller_id, name, NoteScope::Domain, None, 0, NOTES_SHOWN)?;
    let shown: Vec<Value> = notes
        .notes
        .iter()
        .map(|n| context! { note => n.note, when => time(n.at) })
        .collect();
    Ok(Some(context! {
        domain => context! {
            name => d.name,
            locked => d.locked,
            auto_renew => d.auto_renew,
            whois_privacy => d.whois_privacy,
            expires => d.expires_at.map(time).unwrap_or_default(),
            nameservers => d.nameservers,
        },
        verification,
        profile,
        orders,
        zone,
        forwarding,
        notes => shown,
        notes_total => notes.total,
    }))
}

/// A record's data as a zone file writes it.
fn record_data(data: &crate::rules::dns::Data) -> String {
    use crate::rules::dns::Data;
    match data {
        Data::A { ip_address } => ip_address.to_string(),
        Data::Aaaa { ipv6_address } => ipv6_address.to_string(),
        Data::Cname { hostname } => format!("{hostname}."),
        Data::Mx { priority, hostname } => format!("{priority} {hostname}."),
        Data::Srv {
            priority,
            weight,
            port,
            hostname,
        } => format!("{priority} {weight} {port} {hostname}."),
        Data::Txt { text } => format!("{text:?}"),
    }
}
