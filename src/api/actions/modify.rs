//! MODIFY (object DOMAIN): one kind of change, named by `data` — `status` (the
//! lock), `whois_privacy_state` (`enable`/`disable`, and Blesta's `Y`/`N`),
//! `contact_info` (the roles sent; per-domain results under `details`, which WHMCS
//! reads), `expire_action` (`auto_renew` and `let_expire`), `domain_auth_info`,
//! `dnssec` (the whole list of DS records; an empty list removes them),
//! `parkpage_state` (`state` on/off), `rsp_whois_info` (`flag` Y/N, `all`), and the
//! TLD-specific ones, checked against the domain's TLD once it is known
//! (`rules::tld`): `tld_data` (blocks laid over the stored ones, each checked),
//! `forwarding_email` (.name), `ca_whois_display_setting` (.ca, `display`
//! FULL/PRIVATE, individuals only), `it_whois_display_setting` (.it,
//! `consent_for_publishing`), `change_ips_tag` (.uk, `gaining_registrar_tag`),
//! `cira_registrant` (.ca: the owner contact and its CIRA `legal_type`).
//! With `affect_domains=1` the change applies to every domain of the same profile;
//! WHMCS sends no `affect_domains` on `status`, so it defaults to 0.
//!
//! Each change writes its DOMAIN event and audit row (see `store::DomainChange`).

use crate::api::codes;
use crate::api::contact_set;
use crate::api::fields::Fields;
use crate::api::target::Named;
use crate::api::{ApiError, Ctx, Reply};
use crate::ops::{Map, Value};
use crate::status::DomainSetting;
use crate::store::DomainChange;

/// The `data` values answered.
const DATA: &[&str] = &[
    "status",
    "whois_privacy_state",
    "contact_info",
    "expire_action",
    "domain_auth_info",
    "dnssec",
    "parkpage_state",
    "rsp_whois_info",
    "tld_data",
    "forwarding_email",
    "ca_whois_display_setting",
    "it_whois_display_setting",
    "change_ips_tag",
    "cira_registrant",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Modify {
    pub named: Named,
    /// The change, or for contact_info the roles to lay over the stored set.
    pub change: Change,
    pub affect_domains: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Whole(DomainChange),
    Contacts(serde_json::Map<String, serde_json::Value>),
    /// A change for one TLD (`data` names it), checked once the domain is known.
    ForTld(&'static str, TldChange),
}

/// The TLD-specific changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TldChange {
    /// Blocks to lay over the stored `tld_data`.
    TldData(serde_json::Map<String, serde_json::Value>),
    Setting(DomainSetting, String),
    /// .ca display: refused for a registrant that is not an individual.
    CaDisplay(String),
    /// .ca owner change: the new owner and its CIRA legal type.
    CiraRegistrant {
        owner: serde_json::Value,
        legal_type: String,
    },
}

/// `key` as Y/N (also 1/0).
fn yes_no(f: &Fields<'_>, key: &str) -> Result<&'static str, ApiError> {
    match f.req_str(key)?.trim().to_ascii_uppercase().as_str() {
        "Y" | "YES" | "1" => Ok("Y"),
        "N" | "NO" | "0" => Ok("N"),
        _ => Err(f.invalid(key, "expected Y or N")),
    }
}

/// The TLD-specific `data` values, read.
fn tld_change(f: &Fields<'_>, data: &str) -> Result<TldChange, ApiError> {
    use crate::rules::tld::CIRA_LEGAL_TYPES;
    Ok(match data {
        "tld_data" => {
            let Some(v) = f.get("tld_data") else {
                return Err(ApiError::Missing("tld_data".into()));
            };
            match v.to_json() {
                serde_json::Value::Object(m) if !m.is_empty() => TldChange::TldData(m),
                _ => return Err(f.invalid("tld_data", "expected a dt_assoc of blocks")),
            }
        }
        "forwarding_email" => {
            let e = f.req_str("forwarding_email")?.trim();
            if !crate::mail::plausible_address(e) {
                return Err(f.invalid("forwarding_email", "not an email address"));
            }
            TldChange::Setting(DomainSetting::ForwardingEmail, e.to_ascii_lowercase())
        }
        "ca_whois_display_setting" => {
            match f.req_str("display")?.trim().to_ascii_uppercase().as_str() {
                d @ ("FULL" | "PRIVATE") => TldChange::CaDisplay(d.to_string()),
                _ => return Err(f.invalid("display", "expected FULL or PRIVATE")),
            }
        }
        "it_whois_display_setting" => {
            // The toolkit's name; `display` as a fallback.
            let key = if f.opt_str("consent_for_publishing")?.is_some() {
                "consent_for_publishing"
            } else {
                "display"
            };
            let v = if yes_no(f, key)? == "Y" { "1" } else { "0" };
            TldChange::Setting(DomainSetting::ItWhoisDisplay, v.into())
        }
        "change_ips_tag" => {
            let tag = f.req_str("gaining_registrar_tag")?.trim().to_ascii_uppercase();
            let fine = (2..=16).contains(&tag.len())
                && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
            if !fine {
                return Err(f.invalid(
                    "gaining_registrar_tag",
                    "expected a Nominet tag: 2 to 16 letters, digits or hyphens",
                ));
            }
            TldChange::Setting(DomainSetting::IpsTag, tag)
        }
        _ => {
            let legal_type = f.req_str("legal_type")?.trim().to_ascii_uppercase();
            if !CIRA_LEGAL_TYPES.contains(&legal_type.as_str()) {
                return Err(f.invalid(
                    "legal_type",
                    &format!("expected one of {}", CIRA_LEGAL_TYPES.join(", ")),
                ));
            }
            TldChange::CiraRegistrant {
                owner: contact_set::one(f, "cira_registrant")?,
                legal_type,
            }
        }
    })
}

/// An auth code as registries take it: 6 to 32 printable ASCII characters.
pub(crate) fn check_auth_code(f: &Fields<'_>, key: &str) -> Result<String, ApiError> {
    let code = f.req_str(key)?.trim();
    if !(6..=32).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(f.invalid(key, "expected 6 to 32 printable characters"));
    }
    Ok(code.to_string())
}

/// Lays `roles` over the stored contact set of each of `targets` (each keeps its
/// other roles) and returns the per-domain results clients read under `details`.
pub(crate) fn lay_contacts(
    ctx: &Ctx<'_>,
    targets: &[(i64, String)],
    roles: &serde_json::Map<String, serde_json::Value>,
    audit: &crate::store::AuditEntry,
) -> Result<Map, ApiError> {
    let me = ctx.reseller.id;
    let store = &ctx.app.store;
    let mut details = Map::with_capacity(targets.len());
    for (id, name) in targets {
        let Some(current) = store.domain_record_by_id(me, *id)? else {
            continue;
        };
        let merged = contact_set::merge(current.contacts.as_deref(), roles);
        crate::rules::domain_change::apply(
            ctx.app,
            me,
            &[(*id, name.clone())],
            &DomainChange::Contacts(merged),
            audit,
        )?;
        // As captured: each domain's result, with the waiting requests (none in the
        // sandbox) and the encoding the contacts were sent in.
        let mut r = Map::with_capacity(5);
        r.insert("is_success".into(), Value::from("1"));
        r.insert("response_code".into(), Value::from("200"));
        r.insert(
            "response_text".into(),
            Value::from(codes::CONTACTS_UPDATED.text),
        );
        r.insert("waiting_requests_no".into(), Value::from("0"));
        r.insert("encoding_type".into(), Value::from(""));
        details.insert(name.as_str().into(), Value::Map(r));
    }
    Ok(details)
}

/// The `dnssec` list, every record checked (`rules::dnssec`); an empty list
/// removes them all. As JSON, for the store.
fn ds_records(f: &Fields<'_>) -> Result<String, ApiError> {
    use crate::rules::dnssec;
    if f.get("dnssec").is_none() {
        return Err(ApiError::Missing(f.name("dnssec")));
    }
    let list = f.opt_list("dnssec")?.unwrap_or_default();
    if list.len() > dnssec::MAX_RECORDS {
        return Err(f.invalid(
            "dnssec",
            &format!("at most {} DS records", dnssec::MAX_RECORDS),
        ));
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, v) in list.iter().enumerate() {
        let item = Fields::item("dnssec", i, v)?;
        let record = dnssec::record(
            item.req_str("key_tag")?,
            item.req_str("algorithm")?,
            item.req_str("digest_type")?,
            item.req_str("digest")?,
        )
        .map_err(|(field, why)| item.invalid(field, &why))?;
        out.push(record);
    }
    Ok(dnssec::to_json(&out))
}

/// The domain changes a TLD-specific change makes to `d`, checked against its data.
fn tld_domain_change(
    d: &crate::store::DomainRecord,
    change: &TldChange,
) -> Result<Vec<DomainChange>, ApiError> {
    let stored = || -> serde_json::Map<String, serde_json::Value> {
        d.tld_data
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default()
    };
    let refused = |(field, why): crate::rules::tld::Refusal| ApiError::invalid(field, why);
    Ok(match change {
        TldChange::TldData(blocks) => {
            let sent = serde_json::Value::Object(blocks.clone());
            crate::rules::tld::check(&d.name, &sent, true).map_err(refused)?;
            let mut all = stored();
            for (k, v) in blocks {
                all.insert(k.clone(), v.clone());
            }
            vec![DomainChange::TldData(
                serde_json::Value::Object(all).to_string(),
            )]
        }
        TldChange::Setting(key, value) => vec![DomainChange::Setting(*key, value.clone())],
        TldChange::CaDisplay(display) => {
            // Only individuals may hide their WHOIS; a registrant whose legal type
            // is known to be another is refused.
            let legal = stored()
                .get("registrant_extra_info")
                .and_then(|b| b.get("legal_type"))
                .and_then(serde_json::Value::as_str)
                .map(str::to_string);
            if let Some(t) = legal
                && !crate::rules::tld::CIRA_INDIVIDUALS.contains(&t.as_str())
            {
                return Err(ApiError::invalid(
                    "display",
                    format!("only individual registrants may change it; this one is {t}"),
                ));
            }
            vec![DomainChange::Setting(
                DomainSetting::CaWhoisDisplay,
                display.clone(),
            )]
        }
        TldChange::CiraRegistrant { owner, legal_type } => {
            let mut roles = serde_json::Map::new();
            roles.insert("owner".into(), owner.clone());
            let mut all = stored();
            let extra = all
                .entry("registrant_extra_info")
                .or_insert_with(|| serde_json::json!({}));
            if let Some(m) = extra.as_object_mut() {
                m.insert("legal_type".into(), legal_type.clone().into());
            }
            vec![
                DomainChange::Contacts(contact_set::merge(d.contacts.as_deref(), &roles)),
                DomainChange::TldData(serde_json::Value::Object(all).to_string()),
            ]
        }
    })
}

fn required_flag(f: &Fields<'_>, key: &str) -> Result<bool, ApiError> {
    f.req_str(key)?;
    f.opt_flag(key)
}

impl crate::api::Handler for Modify {
    const NAME: &'static str = "MODIFY";
    const VARIANTS: (&'static str, &'static [&'static str]) = ("data", DATA);

    fn parse(env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let named = Named::read(env, f, &["domain", "domain_name"])?;
        let data = f.req_str("data")?.trim().to_ascii_lowercase();
        if !DATA.contains(&data.as_str()) {
            return Err(f.invalid("data", &format!("expected one of {}", DATA.join(", "))));
        }
        let change = match data.as_str() {
            "status" => Change::Whole(DomainChange::Lock(required_flag(f, "lock_state")?)),
            "whois_privacy_state" => {
                let on = match f.req_str("state")?.trim().to_ascii_lowercase().as_str() {
                    "enable" | "enabled" | "y" | "yes" | "1" | "on" => true,
                    "disable" | "disabled" | "n" | "no" | "0" | "off" => false,
                    _ => return Err(f.invalid("state", "expected enable or disable")),
                };
                Change::Whole(DomainChange::WhoisPrivacy(on))
            }
            "contact_info" => {
                Change::Contacts(contact_set::parse_roles(f, &contact_set::ROLES, false)?)
            }
            "expire_action" => Change::Whole(DomainChange::ExpireAction {
                auto_renew: required_flag(f, "auto_renew")?,
                let_expire: required_flag(f, "let_expire")?,
            }),
            "dnssec" => Change::Whole(DomainChange::Dnssec(ds_records(f)?)),
            "parkpage_state" => {
                let on = match f.req_str("state")?.trim().to_ascii_lowercase().as_str() {
                    "on" | "enable" | "y" | "1" => "on",
                    "off" | "disable" | "n" | "0" => "off",
                    _ => return Err(f.invalid("state", "expected on or off")),
                };
                Change::Whole(DomainChange::Setting(DomainSetting::ParkPage, on.into()))
            }
            "rsp_whois_info" => Change::Whole(DomainChange::Setting(
                DomainSetting::RspWhois,
                yes_no(f, "flag")?.into(),
            )),
            "tld_data"
            | "forwarding_email"
            | "ca_whois_display_setting"
            | "it_whois_display_setting"
            | "change_ips_tag"
            | "cira_registrant" => {
                let data = DATA.iter().copied().find(|d| *d == data).unwrap_or("tld_data");
                Change::ForTld(data, tld_change(f, data)?)
            }
            _ => Change::Whole(DomainChange::AuthCode(check_auth_code(
                f,
                "domain_auth_info",
            )?)),
        };
        // rsp_whois_info names every domain of the profile with `all`.
        let affect_domains = f.opt_flag("affect_domains")?
            || (data == "rsp_whois_info" && f.opt_flag("all")?);
        Ok(Modify {
            named,
            change,
            affect_domains,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let me = ctx.reseller.id;
        let store = &ctx.app.store;
        let d = self.named.resolve(ctx)?;
        let targets: Vec<(i64, String)> = if self.affect_domains {
            store.profile_domains(me, d.profile_id)?
        } else {
            vec![(d.id, d.name.clone())]
        };
        let audit = ctx.audit("modify", &d.name, String::new());
        match &self.change {
            Change::Whole(change) => {
                crate::rules::domain_change::apply(ctx.app, me, &targets, change, &audit)?;
                Ok(Reply::done_bare(codes::MODIFIED))
            }
            Change::ForTld(data, change) => {
                crate::rules::tld::for_tld(data, &d.name).map_err(|why| {
                    ApiError::invalid("data", why)
                })?;
                let change = tld_domain_change(&d, change)?;
                // A TLD's own data is the named domain's only.
                crate::rules::domain_change::apply_each(
                    ctx.app,
                    me,
                    (d.id, &d.name),
                    change,
                    &audit,
                )?;
                Ok(Reply::done_bare(codes::MODIFIED))
            }
            Change::Contacts(roles) => {
                let mut attrs = Map::with_capacity(1);
                attrs.insert(
                    "details".into(),
                    Value::Map(lay_contacts(ctx, &targets, roles, &audit)?),
                );
                Ok(Reply::done(codes::MODIFIED, attrs))
            }
        }
    }
}
