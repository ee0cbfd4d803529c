//! TRADE_DOMAIN (object DOMAIN): a domain's registrant changed to a new owner, as
//! the ccTLDs that sell a "trade" do it (the documentation's list, and .be and .eu,
//! where it began). The new owner's fields come flat (`first_name`, `last_name`,
//! `org_name`, `email`, and but for .be the address and phone), laid over the
//! current owner, and are checked as any contact is; .be asks for the domain's
//! auth code (`domain_auth_info`); `tld_data` is checked for the TLD. The trade is
//! an order charged at the price list's `trade` price (once), completed at once in
//! the sandbox, with the owner's change, its event and note, and a verification of
//! a new owner address.

use crate::api::codes;
use crate::api::contact_set;
use crate::api::fields::Fields;
use crate::api::target::Named;
use crate::api::{ApiError, Ctx, Reply};
use crate::ops::{Envelope, Map, Value};
use crate::store::{DomainChange, Guard, Written};

/// The TLDs a trade is sold for (OpenSRS's documentation, and .be and .eu).
const TRADE_TLDS: &[&str] = &[
    "au", "cl", "ar", "dk", "fi", "fr", "hk", "hu", "il", "my", "no", "nu", "pm", "re", "ro", "ru",
    "se", "sg", "tf", "wf", "yt", "be", "eu",
];


#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradeDomain {
    pub named: Named,
    /// The fields sent, as sent.
    pub owner: Vec<(&'static str, String)>,
    pub auth_code: Option<String>,
    pub tld_data: Option<serde_json::Value>,
}

impl crate::api::Handler for TradeDomain {
    const NAME: &'static str = "TRADE_DOMAIN";

    fn parse(env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        for key in ["first_name", "last_name", "org_name", "email"] {
            f.req_str(key)?;
        }
        let mut owner = Vec::with_capacity(contact_set::FIELDS.len());
        for key in contact_set::FIELDS {
            if let Some(v) = f.opt_str(key)? {
                owner.push((key, v.trim().to_string()));
            }
        }
        Ok(TradeDomain {
            named: Named::read(env, f, &["domain"])?,
            owner,
            auth_code: f
                .opt_str("domain_auth_info")?
                .map(|c| c.trim().to_string()),
            tld_data: f.get("tld_data").map(Value::to_json),
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let store = &ctx.app.store;
        let me = ctx.reseller.id;
        let d = self.named.resolve(ctx)?;
        let tld = crate::rules::tld::tld_of(&d.name);
        if !TRADE_TLDS.contains(&tld) {
            return Err(ApiError::invalid(
                "domain",
                format!(".{tld} domains are not traded: change the owner with MODIFY contact_info"),
            ));
        }
        if tld == "be" {
            let code = store.auth_code(me, d.id, &super::send_authcode::fresh_auth_code())?;
            let given = self.auth_code.as_deref().unwrap_or("");
            if given.is_empty() {
                return Err(ApiError::Missing("domain_auth_info".into()));
            }
            if !crate::auth::same_secret(given, &code) {
                return Err(ApiError::invalid(
                    "domain_auth_info",
                    "not the domain's auth code",
                ));
            }
        }
        if let Some(t) = &self.tld_data {
            crate::rules::tld::check(&d.name, t, false)
                .map_err(|(field, why)| ApiError::invalid(field, why))?;
        }
        // The sent fields over the current owner, read back as a contact and checked.
        let current = contact_set::to_ops(d.contacts.as_deref(), &["owner"]);
        let mut fields: Map = current
            .get("owner")
            .and_then(Value::as_map)
            .cloned()
            .unwrap_or_default();
        for (k, v) in &self.owner {
            fields.insert((*k).into(), Value::from(v.as_str()));
        }
        let fields = Value::Map(fields);
        let owner = contact_set::one(&Fields::item("owner", 0, &fields)?, "owner")?;
        let mut roles = serde_json::Map::new();
        roles.insert("owner".into(), owner);
        let change = DomainChange::Contacts(contact_set::merge(d.contacts.as_deref(), &roles));
        let audit = ctx.audit("trade_domain", &d.name, String::new());
        let change =
            crate::rules::domain_change::change_of(ctx.app, me, (d.id, &d.name), change, &audit)?;
        let cents = crate::rules::price::order_cents(store, me, &d.name, "trade", 1, false)?;
        let order = match store.trade_domain(me, &d.name, cents, &change, ctx.app.now())? {
            Written::Done(id) => id,
            Written::Stopped(Guard::FundsShort) => {
                return Err(ApiError::Refused(codes::NO_FUNDS));
            }
            Written::Stopped(_) => return Err(crate::store::StoreError::NotFound.into()),
        };
        if change.verification.is_some() {
            ctx.app.work.notify_one();
        }
        let mut attrs = Map::with_capacity(2);
        attrs.insert("id".into(), Value::from(order));
        attrs.insert("domain".into(), Value::from(d.name.as_str()));
        Ok(Reply::done(codes::TRADED, attrs))
    }
}
