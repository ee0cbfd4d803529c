//! The DNS service (object DOMAIN): CREATE_DNS_ZONE (empty, from `records`, or
//! from a `dns_template`), GET_DNS_ZONE, SET_DNS_ZONE (the whole record set
//! replaced), RESET_DNS_ZONE (back to its template, or another), DELETE_DNS_ZONE
//! and FORCE_DNS_NAMESERVERS (the domain's nameservers become the service's).
//! The domain is the caller's, named as every domain call names it (`domain`, a
//! cookie, the top-level `domain`); records are checked by `rules::dns`. Replies
//! carry `records` (types with none left out) and `nameservers_ok`, as the
//! captured replies do.

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::target::Named;
use crate::api::{ApiError, Ctx, Reply};
use crate::ops::{Envelope, Map, Value};
use crate::rules::dns::{self, Record, SERVICE_NAMESERVERS};
use crate::store::{
    DnsZone, DomainChange, DomainRecord, Guard, Hosted, HostedChange, HostedWrite, Written,
};

/// The request's `records`, as JSON, if sent.
fn records_of(f: &Fields<'_>) -> Option<serde_json::Value> {
    f.get("records").map(Value::to_json)
}

/// The request's `dns_template`, if one is named.
fn template_of(f: &Fields<'_>) -> Result<Option<String>, ApiError> {
    Ok(f.opt_str("dns_template")?
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty()))
}

/// `records` checked for the zone of `domain`.
fn checked(domain: &str, records: &serde_json::Value) -> Result<Vec<Record>, ApiError> {
    dns::parse(domain, records).map_err(|(field, why)| ApiError::invalid(field, why))
}

/// The records of the caller's template `name`; 465 when it has none of that name.
fn template_records(ctx: &Ctx<'_>, name: &str) -> Result<Vec<Record>, ApiError> {
    match dns::template_records(&ctx.app.store, ctx.reseller.id, name)? {
        Some(records) => Ok(records),
        None => Err(ApiError::invalid(
            "dns_template",
            format!("no DNS template named '{name}'"),
        )),
    }
}

/// The caller's zone of `d`, or 480.
fn zone_of(ctx: &Ctx<'_>, d: &DomainRecord) -> Result<DnsZone, ApiError> {
    ctx.app
        .store
        .dns_zone(ctx.reseller.id, &d.name)?
        .ok_or(ApiError::NotFound(codes::DNS_ZONE_NOT_FOUND))
}

/// Whether the domain uses the DNS service's nameservers.
fn nameservers_ok(d: &DomainRecord) -> bool {
    !d.nameservers.is_empty()
        && d
            .nameservers
            .iter()
            .all(|n| SERVICE_NAMESERVERS.contains(&n.trim_end_matches('.')))
}

/// The reply of a zone: its records and `nameservers_ok`.
fn zone_reply(d: &DomainRecord, records: &[Record]) -> Reply {
    let mut attrs = Map::with_capacity(2);
    attrs.insert("records".into(), Value::from_json(&dns::to_ops(records)));
    attrs.insert(
        "nameservers_ok".into(),
        Value::from(if nameservers_ok(d) { "1" } else { "0" }),
    );
    Reply::done(codes::DNS_ZONE_OK, attrs)
}

/// How a zone's records are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ZoneOp {
    Create,
    Set,
    Reset,
}

impl ZoneOp {
    /// The audit row's action, and the event's verb.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            ZoneOp::Create => ("create_dns_zone", "created"),
            ZoneOp::Set => ("set_dns_zone", "updated"),
            ZoneOp::Reset => ("reset_dns_zone", "reset"),
        }
    }
}

/// Writes `change` of the caller's domain `d` with its event (`verb`) and
/// audit row (`action`, `detail`), and wakes the server that answers for it.
pub(super) fn write_hosted(
    ctx: &Ctx<'_>,
    d: &DomainRecord,
    change: HostedChange,
    (verb, action, detail): (&'static str, &str, String),
) -> Result<Written<()>, ApiError> {
    let now = ctx.app.now();
    let w = HostedWrite {
        reseller_id: ctx.reseller.id,
        domain: d.name.clone(),
        change,
        now,
    };
    let what = w.what();
    let event = crate::rules::events::hosted_changed(ctx.reseller.id, &d.name, what, verb, now);
    let audit = ctx.audit(action, &d.name, detail);
    let written = ctx.app.store.write_hosted(&w, &event, &audit)?;
    if let Written::Done(()) = written {
        ctx.app.hosted_changed(what);
    }
    Ok(written)
}

/// Writes the zone's new records: created, or changed (with a new template
/// when `template` names one).
fn write(
    ctx: &Ctx<'_>,
    d: &DomainRecord,
    (op, template, records): (ZoneOp, Option<&str>, &[Record]),
) -> Result<Reply, ApiError> {
    let (template, json) = (template.map(str::to_string), dns::to_json(records));
    let change = match op {
        ZoneOp::Create => HostedChange::CreateZone {
            template,
            records: json,
        },
        ZoneOp::Set | ZoneOp::Reset => HostedChange::SetZone {
            template,
            records: json,
            serial: None,
        },
    };
    let (action, verb) = op.names();
    let detail = format!("{} record(s)", records.len());
    match write_hosted(ctx, d, change, (verb, action, detail))? {
        Written::Done(()) => Ok(zone_reply(d, records)),
        Written::Stopped(Guard::NameHeld) => Err(ApiError::Refused(codes::DNS_ZONE_EXISTS)),
        Written::Stopped(_) => Err(ApiError::NotFound(codes::DNS_ZONE_NOT_FOUND)),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CreateDnsZone {
    pub named: Named,
    pub template: Option<String>,
    pub records: Option<serde_json::Value>,
}

impl crate::api::Handler for CreateDnsZone {
    const NAME: &'static str = "CREATE_DNS_ZONE";

    fn parse(env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(CreateDnsZone {
            named: Named::read(env, f, &["domain"])?,
            template: template_of(f)?,
            records: records_of(f),
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let d = self.named.resolve(ctx)?;
        // The records sent, else the template's (as documented: a template gives
        // the zone its first records).
        let records = match (&self.records, &self.template) {
            (Some(r), _) => checked(&d.name, r)?,
            (None, Some(t)) => template_records(ctx, t)?,
            (None, None) => Vec::new(),
        };
        if let (Some(_), Some(t)) = (&self.records, &self.template) {
            template_records(ctx, t)?;
        }
        write(
            ctx,
            &d,
            (ZoneOp::Create, self.template.as_deref(), &records),
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetDnsZone {
    pub named: Named,
}

impl crate::api::Handler for GetDnsZone {
    const NAME: &'static str = "GET_DNS_ZONE";

    fn parse(env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(GetDnsZone {
            named: Named::read(env, f, &["domain"])?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let d = self.named.resolve(ctx)?;
        let zone = zone_of(ctx, &d)?;
        Ok(zone_reply(&d, &dns::from_json(&zone.records)))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SetDnsZone {
    pub named: Named,
    pub records: serde_json::Value,
}

impl crate::api::Handler for SetDnsZone {
    const NAME: &'static str = "SET_DNS_ZONE";

    fn parse(env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        // Some clients send `nameservers_ok` beside `records`: it is read back,
        // never set, so it is passed over.
        Ok(SetDnsZone {
            named: Named::read(env, f, &["domain"])?,
            // Absent: every record removed (the WHMCS module sends no `records`
            // when the last one is deleted).
            records: records_of(f).unwrap_or_else(|| serde_json::json!({})),
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let d = self.named.resolve(ctx)?;
        let records = checked(&d.name, &self.records)?;
        zone_of(ctx, &d)?;
        write(ctx, &d, (ZoneOp::Set, None, &records))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetDnsZone {
    pub named: Named,
    pub template: Option<String>,
}

impl crate::api::Handler for ResetDnsZone {
    const NAME: &'static str = "RESET_DNS_ZONE";

    fn parse(env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(ResetDnsZone {
            named: Named::read(env, f, &["domain"])?,
            template: template_of(f)?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let d = self.named.resolve(ctx)?;
        let zone = zone_of(ctx, &d)?;
        // The template named, else the zone's own; a zone made without one is
        // emptied.
        let records = match self.template.as_deref().or(zone.template.as_deref()) {
            Some(t) => template_records(ctx, t)?,
            None => Vec::new(),
        };
        write(
            ctx,
            &d,
            (ZoneOp::Reset, self.template.as_deref(), &records),
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteDnsZone {
    pub named: Named,
}

impl crate::api::Handler for DeleteDnsZone {
    const NAME: &'static str = "DELETE_DNS_ZONE";

    fn parse(env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(DeleteDnsZone {
            named: Named::read(env, f, &["domain"])?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let d = self.named.resolve(ctx)?;
        delete(ctx, &d, Hosted::Zone)
    }
}

/// Deletes the caller's zone or forwarding of `d`: 200, or 480 when it has none.
pub(super) fn delete(ctx: &Ctx<'_>, d: &DomainRecord, what: Hosted) -> Result<Reply, ApiError> {
    let (action, missing) = match what {
        Hosted::Zone => ("delete_dns_zone", codes::DNS_ZONE_NOT_FOUND),
        Hosted::Forwarding => ("delete_domain_forwarding", codes::FORWARDING_NOT_FOUND),
    };
    let change = HostedChange::Delete(what);
    match write_hosted(ctx, d, change, ("deleted", action, String::new()))? {
        Written::Done(()) => Ok(Reply::done_bare(codes::DNS_ZONE_OK)),
        Written::Stopped(_) => Err(ApiError::NotFound(missing)),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForceDnsNameservers {
    pub named: Named,
}

impl crate::api::Handler for ForceDnsNameservers {
    const NAME: &'static str = "FORCE_DNS_NAMESERVERS";

    fn parse(env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(ForceDnsNameservers {
            named: Named::read(env, f, &["domain"])?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let d = self.named.resolve(ctx)?;
        let next: Vec<String> = SERVICE_NAMESERVERS.iter().map(|n| (*n).to_string()).collect();
        let audit = ctx.audit("force_dns_nameservers", &d.name, next.join(" "));
        crate::rules::domain_change::apply(
            ctx.app,
            ctx.reseller.id,
            &[(d.id, d.name.clone())],
            &DomainChange::Nameservers(next),
            &audit,
        )?;
        Ok(Reply::done_bare(codes::DNS_NAMESERVERS_FORCED))
    }
}
