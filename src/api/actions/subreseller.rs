//! Sub-resellers: SUBRESELLER CREATE, GET, MODIFY and PAY. A sub-reseller is a
//! reseller of its own — its key, IP Access Rules, prices and balance — made
//! by its parent, which reads and acts on its domains and orders with
//! `as_subreseller` on any call (`Api::as_subreseller`). Everything is in the
//! attributes; the parent is the caller. A name that is not the caller's
//! sub-reseller, another reseller's or its own sibling's included, is 480.
//!
//! OpenSRS's sub-resellers make their API key in its web interface; opsd has
//! none for them, so CREATE answers the new key as `private_key` (*chosen*; the
//! journal masks it) and `opsd reseller set-key` replaces it.

use crate::api::codes;
use crate::api::contact_set;
use crate::api::fields::Fields;
use crate::api::profile;
use crate::api::{ApiError, Ctx, Layout, Reply};
use crate::ops::{Envelope, Map, Value};
use crate::rules::accounts;
use crate::rules::events;
use crate::store::{Logged, SubAccount, SubReseller, Written};
use serde_json::json;

/// The account fields of CREATE and MODIFY, checked.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    pub username: String,
    pub password: String,
    pub status: &'static str,
    /// Every other setting, as GET answers it (JSON).
    pub settings: serde_json::Value,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("username", &self.username)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// A Y/N field (`ccp_enabled`, `storefront_rwi`), `default` when absent.
fn yes_no(f: &Fields<'_>, key: &str, default: Option<&str>) -> Result<String, ApiError> {
    let v = match (f.opt_str(key)?.map(str::trim), default) {
        (Some(v), _) if !v.is_empty() => v.to_ascii_uppercase(),
        (_, Some(d)) => return Ok(d.into()),
        (_, None) => return Err(ApiError::Missing(key.into())),
    };
    match v.as_str() {
        "Y" | "N" => Ok(v),
        _ => Err(f.invalid(key, "expected Y or N")),
    }
}

/// An e-mail field, required or not.
fn email(f: &Fields<'_>, key: &str, required: bool) -> Result<String, ApiError> {
    match f.opt_str(key)?.map(str::trim) {
        Some(e) if !e.is_empty() => {
            if crate::mail::plausible_address(e) {
                Ok(e.to_string())
            } else {
                Err(f.invalid(key, "not an email address"))
            }
        }
        _ if required => Err(ApiError::Missing(key.into())),
        _ => Ok(String::new()),
    }
}

/// A list sent as a dt_array, a numbered dt_assoc (WHMCS's `fqdn1`, `fqdn2`),
/// or one comma-separated string.
fn names(f: &Fields<'_>, key: &str) -> Result<Vec<String>, ApiError> {
    let values: Vec<String> = match f.get(key) {
        None => Vec::new(),
        Some(Value::Scalar(s)) => s.split(',').map(str::to_string).collect(),
        Some(Value::Map(m)) => m.values().filter_map(Value::as_str).map(str::to_string).collect(),
        Some(_) => f
            .opt_list(key)?
            .unwrap_or_default()
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
    };
    Ok(values
        .into_iter()
        .map(|v| v.trim().to_lowercase())
        .filter(|v| !v.is_empty())
        .collect())
}

impl Account {
    fn read(f: &Fields<'_>) -> Result<Account, ApiError> {
        let username = f.req_str("username")?.trim().to_string();
        if !accounts::username_ok(&username) {
            return Err(ApiError::Refused(codes::USERNAME_BAD));
        }
        let password = f.req_str("password")?.to_string();
        if let Some(why) = accounts::password_refusal(&password, 3) {
            return Err(ApiError::RefusedAs(codes::INVALID_VALUE, why));
        }
        let status = accounts::status(f.req_str("status")?).ok_or_else(|| {
            f.invalid(
                "status",
                &format!("expected one of {}", accounts::STATUSES.join(", ")),
            )
        })?;
        // The admin contact is the account's emergency contact, the tech one
        // its technical contact: both required, as documented.
        let set = contact_set::parse_roles(f, &contact_set::ROLES, false)?;
        for role in ["admin", "tech"] {
            if !set.contains_key(role) {
                return Err(ApiError::Missing(format!("contact_set.{role}")));
            }
        }
        let settings = json!({
            "ccp_enabled": yes_no(f, "ccp_enabled", None)?,
            "low_balance_email": email(f, "low_balance_email", true)?,
            "system_status_email": email(f, "system_status_email", true)?,
            "payment_email": email(f, "payment_email", false)?,
            "pricing_plan": f.req_str("pricing_plan")?.trim(),
            "url": f.opt_str("url")?.unwrap_or("").trim(),
            "nameservers": names(f, "nameservers")?,
            "allowed_tld_list": names(f, "allowed_tld_list")?,
            "storefront_rwi": yes_no(f, "storefront_rwi", Some("N"))?,
            "contact_set": serde_json::Value::Object(set),
        });
        Ok(Account {
            username,
            password,
            status,
            settings,
        })
    }

    /// The account as written, its password hashed into `hash`.
    fn written<'a>(&'a self, settings: &'a str, hash: &'a str) -> SubAccount<'a> {
        SubAccount {
            status: self.status,
            settings,
            password_hash: hash,
        }
    }
}

/// The caller's sub-reseller `username`, or 480.
fn child(ctx: &Ctx<'_>, username: &str) -> Result<SubReseller, ApiError> {
    ctx.app
        .store
        .sub_reseller(ctx.reseller.id, username.trim())?
        .ok_or(ApiError::NotFound(codes::SUBRESELLER_NOT_FOUND))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateSubreseller {
    pub account: Account,
}

impl crate::api::Handler for CreateSubreseller {
    const NAME: &'static str = "SUBRESELLER_CREATE";

    fn parse(_env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(CreateSubreseller {
            account: Account::read(f)?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let a = &self.account;
        let key = crate::auth::random_hex(32);
        let settings = a.settings.to_string();
        let hash = profile::hashed(&a.password)?;
        let audit = ctx.audit("subreseller_create", &a.username, a.status.to_string());
        let now = ctx.app.now();
        let id = match ctx.app.store.create_sub_reseller(
            ctx.reseller.id,
            (&a.username, &key),
            &a.written(&settings, &hash),
            (
                now,
                Logged {
                    audit: &audit,
                    events: &[events::subreseller_updated(
                        ctx.reseller.id,
                        &a.username,
                        "created",
                        None,
                        now,
                    )],
                },
            ),
        ) {
            Ok(id) => id,
            Err(crate::store::StoreError::Conflict(_)) => {
                return Err(ApiError::Refused(codes::USERNAME_TAKEN));
            }
            Err(e) => return Err(e.into()),
        };
        let mut attrs = Map::with_capacity(3);
        attrs.insert("id".into(), Value::from(id));
        attrs.insert("username".into(), Value::from(a.username.as_str()));
        attrs.insert("private_key".into(), Value::from(key));
        Ok(Reply::done(codes::ACCOUNT_OK, attrs))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetSubreseller {
    pub username: String,
}

impl crate::api::Handler for GetSubreseller {
    const NAME: &'static str = "SUBRESELLER_GET";

    fn parse(_env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(GetSubreseller {
            username: f.req_str("username")?.to_string(),
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let c = child(ctx, &self.username)?;
        let settings: serde_json::Value =
            serde_json::from_str(&c.settings).unwrap_or_else(|_| json!({}));
        let mut attrs = Map::with_capacity(14);
        let text = |k: &str| settings.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
        let list = |k: &str| {
            Value::List(
                settings
                    .get(k)
                    .and_then(|v| v.as_array())
                    .map(|l| l.iter().filter_map(|v| v.as_str()).map(Value::from).collect())
                    .unwrap_or_default(),
            )
        };
        attrs.insert("allowed_tld_list".into(), list("allowed_tld_list"));
        attrs.insert("ccp_enabled".into(), Value::from(text("ccp_enabled")));
        attrs.insert("cert_permission".into(), Value::from("0"));
        let set = settings.get("contact_set").map(|v| v.to_string());
        attrs.insert(
            "contact_set".into(),
            Value::Map(contact_set::to_ops(set.as_deref(), &contact_set::ROLES)),
        );
        attrs.insert("low_balance_email".into(), Value::from(text("low_balance_email")));
        attrs.insert("nameservers".into(), list("nameservers"));
        attrs.insert("payment_email".into(), Value::from(text("payment_email")));
        attrs.insert("pricing_plan".into(), Value::from(text("pricing_plan")));
        attrs.insert("status".into(), Value::from(c.status.as_str()));
        attrs.insert("storefront_rwi".into(), Value::from(text("storefront_rwi")));
        attrs.insert("system_status_email".into(), Value::from(text("system_status_email")));
        attrs.insert("url".into(), Value::from(text("url")));
        attrs.insert("username".into(), Value::from(c.username.as_str()));
        let balance = ctx.app.store.balance(c.reseller_id)?;
        attrs.insert(
            "balance".into(),
            Value::from(crate::money::format_cents(balance.balance)),
        );
        Ok(Reply::done(codes::ACCOUNT_OK, attrs))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModifySubreseller {
    pub account: Account,
}

impl crate::api::Handler for ModifySubreseller {
    const NAME: &'static str = "SUBRESELLER_MODIFY";

    fn parse(_env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(ModifySubreseller {
            account: Account::read(f)?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let a = &self.account;
        let c = child(ctx, &a.username)?;
        let settings = a.settings.to_string();
        let hash = profile::hashed(&a.password)?;
        let audit = ctx.audit("subreseller_modify", &a.username, a.status.to_string());
        if !ctx.app.store.set_sub_reseller(
            (ctx.reseller.id, c.reseller_id),
            &a.written(&settings, &hash),
            ctx.app.now(),
            Logged {
                audit: &audit,
                events: &[events::subreseller_updated(
                    ctx.reseller.id,
                    &a.username,
                    "modified",
                    None,
                    ctx.app.now(),
                )],
            },
        )? {
            return Err(ApiError::NotFound(codes::SUBRESELLER_NOT_FOUND));
        }
        Ok(Reply::done_bare(codes::ACCOUNT_OK))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaySubreseller {
    pub username: String,
    pub cents: i64,
}

impl crate::api::Handler for PaySubreseller {
    const NAME: &'static str = "SUBRESELLER_PAY";

    fn parse(_env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let cents = crate::money::parse_cents(f.req_str("amount")?.trim())
            .filter(|c| *c > 0)
            .ok_or_else(|| f.invalid("amount", "must be a positive number"))?;
        Ok(PaySubreseller {
            username: f.req_str("username")?.to_string(),
            cents,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let c = child(ctx, &self.username)?;
        let amount = crate::money::format_cents(self.cents);
        let now = ctx.app.now();
        let event =
            events::subreseller_updated(ctx.reseller.id, &c.username, "paid", Some(&amount), now);
        let audit = ctx.audit("subreseller_pay", &c.username, amount);
        let log = Logged {
            audit: &audit,
            events: &[event],
        };
        match ctx.app.store.pay_sub_reseller(
            (ctx.reseller.id, c.reseller_id),
            self.cents,
            now,
            log,
        )? {
            Written::Done(id) => {
                let mut attrs = Map::with_capacity(1);
                attrs.insert("id".into(), Value::from(id));
                let ok = codes::FUNDS_TRANSFERRED;
                // The documented example's order: attributes before the code.
                Ok(Reply::ok((ok.code, ok.text), attrs, Layout::AttrsCodeSuccess))
            }
            Written::Stopped(crate::store::Guard::FundsShort) => {
                Err(ApiError::Refused(codes::NO_FUNDS))
            }
            Written::Stopped(_) => Err(ApiError::NotFound(codes::SUBRESELLER_NOT_FOUND)),
        }
    }
}
