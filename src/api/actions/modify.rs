//! MODIFY (object DOMAIN): one kind of change, named by `data` — `status` (the
//! lock), `whois_privacy_state` (`enable`/`disable`, and Blesta's `Y`/`N`),
//! `contact_info` (the roles sent; per-domain results under `details`, which WHMCS
//! reads), `expire_action` (`auto_renew` and `let_expire`), `domain_auth_info`,
//! `dnssec` (the whole list of DS records; an empty list removes them).
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
use crate::store::DomainChange;

/// The `data` values answered.
const DATA: &[&str] = &[
    "status",
    "whois_privacy_state",
    "contact_info",
    "expire_action",
    "domain_auth_info",
    "dnssec",
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
            _ => Change::Whole(DomainChange::AuthCode(check_auth_code(
                f,
                "domain_auth_info",
            )?)),
        };
        Ok(Modify {
            named,
            change,
            affect_domains: f.opt_flag("affect_domains")?,
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
