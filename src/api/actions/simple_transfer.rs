//! SIMPLE_TRANSFER (object DOMAIN): submit a bulk transfer-in job of 1–10,000 domains.
//!
//! Every immediate-failure rule of the reference (seed 004) rejects the whole request
//! and stores nothing. The checks that need no database run in `parse`; the profile and
//! DNS template checks in `apply`. A valid job is stored in one transaction before the
//! reply is written.

use std::collections::HashMap;

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::profile::ProfileCredentials;
use crate::api::{ApiError, Ctx, Layout, Reply};
use crate::clock::format_timestamp;
use crate::domain::DomainName;
use crate::ops::{Map, Text, Value};
use crate::store::NewTransferJob;

/// Documented: at most 10,000 domains per job.
pub const MAX_DOMAINS: usize = 10_000;
/// A domain takes at most 13 nameservers at OpenSRS.
pub const MAX_NAMESERVERS: usize = 13;
/// Longest job name we store.
pub const MAX_NAME_LEN: usize = 255;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleTransfer {
    pub name: Option<String>,
    /// `(domain, auth_info)` in request order.
    pub domains: Vec<(DomainName, Text)>,
    pub nameservers: Vec<String>,
    pub dns_template: Option<String>,
    pub profile: Option<ProfileCredentials>,
}

impl crate::api::Handler for SimpleTransfer {
    const NAME: &'static str = "SIMPLE_TRANSFER";

    fn parse(_env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let domains = parse_domains(f)?;
        let dns_template = f.opt_str("dns_template")?.map(|s| s.trim().to_string());
        let ns_given = f
            .opt_list("nameserver_list")?
            .is_some_and(|l| !l.is_empty());
        if ns_given && dns_template.is_some() {
            return Err(f.invalid(
                "dns_template",
                "give either nameserver_list or dns_template, not both",
            ));
        }
        let nameservers = parse_nameservers(f)?;
        for (i, (d, _)) in domains.iter().enumerate() {
            if d.simple_transfer_tld().is_none() {
                return Err(ApiError::invalid(
                    format!("domain_list[{i}].domain_name"),
                    format!(
                        "TLD .{} of {} is not supported by SIMPLE_TRANSFER",
                        d.tld(),
                        d.name
                    ),
                ));
            }
        }
        let name = match f.opt_str("name")?.or(f.opt_str("job_name")?) {
            Some(n) if n.chars().count() > MAX_NAME_LEN => {
                let key = if f.get("name").is_some() {
                    "name"
                } else {
                    "job_name"
                };
                return Err(f.invalid(key, &format!("longer than {MAX_NAME_LEN} characters")));
            }
            other => other.map(|s| s.trim().to_string()),
        };
        Ok(SimpleTransfer {
            name,
            domains,
            nameservers,
            dns_template,
            profile: ProfileCredentials::parse(f)?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let store = &ctx.app.store;
        let profile_id = match &self.profile {
            Some(p) => Some(p.check(ctx.app, ctx.reseller.id, ctx.peer)?),
            None => None,
        };
        if let Some(t) = &self.dns_template
            && !store.dns_template_exists(ctx.reseller.id, t)?
        {
            return Err(ApiError::invalid(
                "dns_template",
                format!("no DNS template named '{t}'"),
            ));
        }
        let now = ctx.app.time();
        let job = NewTransferJob {
            reseller_id: ctx.reseller.id,
            name: self
                .name
                .unwrap_or_else(|| format!("unspecified - {}", format_timestamp(now))),
            profile_id,
            dns_template: self.dns_template,
            nameservers: self.nameservers,
            domains: self.domains.into_iter().map(|(d, a)| (d.name, a)).collect(),
            created_at: now.unix_timestamp(),
        };
        let id = store.create_transfer_job(&job)?;
        ctx.app.work.notify_one();
        let mut attrs = Map::new();
        attrs.insert("simple_transfer_job_id".into(), Value::from(id));
        let ok = codes::TRANSFER_ADDED;
        Ok(Reply::ok(
            (ok.code, ok.text),
            attrs,
            Layout::CodeAttrsSuccess,
        ))
    }
}

fn parse_domains(f: &Fields<'_>) -> Result<Vec<(DomainName, Text)>, ApiError> {
    let list = match f.opt_list("domain_list")? {
        Some(l) => l,
        // A PHP toolkit build sends one domain as domain_name/auth_info beside (or
        // instead of) domain_list.
        None if f.get("domain_name").is_some() => {
            return Ok(vec![parse_one(f, |k| k.to_string())?]);
        }
        None => return Err(ApiError::Missing("domain_list".into())),
    };
    if list.is_empty() {
        return Err(f.invalid("domain_list", "the list is empty"));
    }
    if list.len() > MAX_DOMAINS {
        return Err(f.invalid(
            "domain_list",
            &format!("{} items; at most {MAX_DOMAINS} are allowed", list.len()),
        ));
    }
    let mut out: Vec<(DomainName, Text)> = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let fields = Fields::item("domain_list", i, item)?;
        out.push(parse_one(&fields, |k| fields.name(k))?);
    }
    // Duplicates once all names are valid, keyed by borrowed names.
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(out.len());
    for (i, (domain, _)) in out.iter().enumerate() {
        if let Some(first) = seen.insert(&domain.ascii, i) {
            return Err(ApiError::invalid(
                format!("domain_list[{i}].domain_name"),
                format!("{} is already at domain_list[{first}]", domain.name),
            ));
        }
    }
    Ok(out)
}

fn parse_one(
    f: &Fields<'_>,
    name: impl Fn(&str) -> String,
) -> Result<(DomainName, Text), ApiError> {
    let raw = f.req_str("domain_name")?;
    let domain = DomainName::parse(raw)
        .map_err(|e| ApiError::invalid(name("domain_name"), format!("'{}' {e}", raw.trim())))?;
    let auth = f.req_str("auth_info")?;
    Ok((domain, Text::new(auth)))
}

/// Host names, or `{name, sortorder}` maps (the Python client), in sort order.
pub(crate) fn parse_nameservers(f: &Fields<'_>) -> Result<Vec<String>, ApiError> {
    let Some(list) = f.opt_list("nameserver_list")? else {
        return Ok(Vec::new());
    };
    if list.len() > MAX_NAMESERVERS {
        return Err(f.invalid(
            "nameserver_list",
            &format!(
                "{} items; at most {MAX_NAMESERVERS} are allowed",
                list.len()
            ),
        ));
    }
    let mut out: Vec<(i64, String)> = Vec::with_capacity(list.len());
    for (i, v) in list.iter().enumerate() {
        let (raw, order) = match v {
            Value::Scalar(s) => (s.as_str(), i as i64),
            Value::Map(_) => {
                let item = Fields::item("nameserver_list", i, v)?;
                let order = match item.opt_str("sortorder")? {
                    Some(_) => item.req_id("sortorder")?,
                    None => i as i64,
                };
                (item.req_str("name")?, order)
            }
            Value::List(_) => {
                return Err(ApiError::invalid(
                    format!("nameserver_list[{i}]"),
                    "expected a host name, got a dt_array",
                ));
            }
        };
        let host = DomainName::parse(raw).map_err(|e| {
            ApiError::invalid(
                format!("nameserver_list[{i}]"),
                format!("'{}' {e}", raw.trim()),
            )
        })?;
        out.push((order, host.ascii.to_string()));
    }
    out.sort_by_key(|(o, _)| *o);
    Ok(out.into_iter().map(|(_, n)| n).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(name: &str, auth: &str) -> Value {
        let mut m = Map::new();
        m.insert("domain_name".into(), name.into());
        m.insert("auth_info".into(), auth.into());
        Value::Map(m)
    }

    fn attrs(pairs: Vec<(&str, Value)>) -> Map {
        pairs.into_iter().map(|(k, v)| (k.into(), v)).collect()
    }

    fn parse(m: &Map) -> Result<SimpleTransfer, (u16, String)> {
        let env = crate::ops::Envelope::from_map(Map::new());
        <SimpleTransfer as crate::api::Handler>::parse(&env, &Fields::new(m)).map_err(|e| e.reply())
    }

    fn code(m: &Map) -> u16 {
        match parse(m) {
            Ok(_) => 200,
            Err((c, _)) => c,
        }
    }

    #[test]
    fn minimal_job() {
        let m = attrs(vec![("domain_list", Value::List(vec![item("A.com", "x")]))]);
        let t = parse(&m).ok();
        assert_eq!(t.map(|t| t.domains[0].0.name.clone()), Some("a.com".into()));
    }

    #[test]
    fn immediate_failures() {
        let list = |v: Vec<Value>| ("domain_list", Value::List(v));
        assert_eq!(
            parse(&attrs(vec![])),
            Err((460, "Required field 'domain_list' not provided.".into()))
        );
        assert_eq!(code(&attrs(vec![list(vec![])])), 465);
        assert_eq!(code(&attrs(vec![list(vec!["x".into()])])), 465);
        let too_many: Vec<Value> = (0..=MAX_DOMAINS)
            .map(|i| item(&format!("d{i}.com"), "a"))
            .collect();
        assert_eq!(
            parse(&attrs(vec![list(too_many)])),
            Err((
                465,
                "Invalid value for 'domain_list': 10001 items; at most 10000 are allowed.".into()
            ))
        );
        assert_eq!(
            parse(&attrs(vec![list(vec![
                item("a.com", "x"),
                item("b.com", "")
            ])])),
            Err((
                460,
                "Required field 'domain_list[1].auth_info' not provided.".into()
            ))
        );
        assert_eq!(
            code(&attrs(vec![list(vec![item("bad_name.com", "x")])])),
            465
        );
        assert_eq!(
            parse(&attrs(vec![list(vec![item("a.com", "x"), item("b.uk", "x")])])),
            Err((465, "Invalid value for 'domain_list[1].domain_name': TLD .uk of b.uk is not supported by SIMPLE_TRANSFER.".into()))
        );
        assert_eq!(
            code(&attrs(vec![list(vec![
                item("a.com", "x"),
                item("A.com", "y")
            ])])),
            465
        );
        let both = attrs(vec![
            list(vec![item("a.com", "x")]),
            ("nameserver_list", Value::List(vec!["ns1.a.com".into()])),
            ("dns_template", "t".into()),
        ]);
        assert_eq!(code(&both), 465);
        let bad_ns = attrs(vec![
            list(vec![item("a.com", "x")]),
            (
                "nameserver_list",
                Value::List(vec!["ns1.a.com".into(), "-x".into()]),
            ),
        ]);
        assert_eq!(
            parse(&bad_ns),
            Err((
                465,
                "Invalid value for 'nameserver_list[1]': '-x' is not a valid host name.".into()
            ))
        );
        let half_profile = attrs(vec![
            list(vec![item("a.com", "x")]),
            ("reg_username", "u".into()),
        ]);
        assert_eq!(
            parse(&half_profile),
            Err((460, "Required field 'reg_password' not provided.".into()))
        );
    }

    #[test]
    fn nameservers_as_maps_follow_sortorder() {
        let ns = |n: &str, o: &str| {
            let mut m = Map::new();
            m.insert("name".into(), n.into());
            m.insert("sortorder".into(), o.into());
            Value::Map(m)
        };
        let m = attrs(vec![
            ("domain_list", Value::List(vec![item("a.com", "x")])),
            (
                "nameserver_list",
                Value::List(vec![ns("ns2.b.com", "2"), ns("ns1.b.com", "1")]),
            ),
        ]);
        assert_eq!(
            parse(&m).ok().map(|t| t.nameservers),
            Some(vec!["ns1.b.com".into(), "ns2.b.com".into()])
        );
    }

    #[test]
    fn one_domain_at_the_top_of_attributes() {
        let m = attrs(vec![
            ("domain_name", "a.com".into()),
            ("auth_info", "x".into()),
        ]);
        assert_eq!(parse(&m).ok().map(|t| t.domains.len()), Some(1));
    }
}
