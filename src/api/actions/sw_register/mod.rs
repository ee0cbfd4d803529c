//! SW_REGISTER (object DOMAIN): `reg_type=new`, `premium` and `sunrise`, a
//! registration (`new.rs`); `reg_type=transfer`, the single transfer every billing
//! module sends (`transfer.rs`); `reg_type=whois_privacy`, privacy for a domain
//! already held (`privacy.rs`). What both read — the order's basics, the profile an order's
//! domain goes into — and the handler that picks one are here.
//!
//! A 465 carries its detail in `attributes.error` too: WHMCS shows
//! `response_text - error`.

use std::net::IpAddr;

use crate::api::codes;

use crate::api::fields::Fields;
use crate::api::profile::{self, Unknown};
use crate::api::{ApiError, Ctx, Layout, Reply};
use crate::domain::DomainName;
use crate::ops::{Map, Value};

use crate::store::OrderProfile;

mod new;
mod kept;
mod privacy;
mod transfer;

pub use new::{Outcome, RegKind, Registration, Source};
pub use kept::{Retried, accept_claim, retry_queued};
pub use transfer::TransferOrder;

/// The request as read; a field error is kept to be answered with
/// `attributes.error` (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwRegister {
    /// The order, or the sentence of its field error.
    pub parsed: Result<Order, String>,
}

/// The kinds of SW_REGISTER order answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Order {
    Transfer(TransferOrder),
    /// `new`, `premium` and `sunrise`: a registration.
    New(Registration),
    /// `whois_privacy` (deprecated, still documented): privacy for a domain held.
    Privacy(privacy::PrivacyOrder),
}

impl Order {
    fn parse(f: &Fields<'_>, registrant_ip: Option<&str>) -> Result<Order, ApiError> {
        match f.req_str("reg_type")?.trim().to_ascii_lowercase().as_str() {
            "transfer" => TransferOrder::parse(f, registrant_ip).map(Order::Transfer),
            "new" => Registration::parse(f, RegKind::New).map(Order::New),
            "premium" => Registration::parse(f, RegKind::Premium).map(Order::New),
            "sunrise" => Registration::parse(f, RegKind::Sunrise).map(Order::New),
            "whois_privacy" => privacy::PrivacyOrder::parse(f).map(Order::Privacy),
            other => Err(f.invalid(
                "reg_type",
                &format!(
                    "'{other}' is not a registration type: new, premium, sunrise, transfer or whois_privacy"
                ),
            )),
        }
    }
}

/// What every SW_REGISTER order names: the domain, `handle` (`process`, the
/// default, or `save`), `period` (1 to 10 years, default 1), the profile's
/// credentials (`reg_username`, `reg_password`, `reg_domain`) and the domain's
/// settings (`f_lock_domain`, `f_whois_privacy`, `auto_renew`, `tld_data`).
pub(crate) struct OrderBasics {
    pub domain: String,
    pub process: bool,
    pub period: i64,
    pub username: String,
    pub password: String,
    pub reg_domain: Option<String>,
    pub lock: bool,
    pub whois_privacy: bool,
    pub auto_renew: bool,
    /// As sent, JSON.
    pub tld_data: Option<String>,
}

impl OrderBasics {
    pub(crate) fn parse(f: &Fields<'_>) -> Result<OrderBasics, ApiError> {
        let domain = DomainName::parse(f.req_str("domain")?)
            .map_err(|e| f.invalid("domain", &e.to_string()))?
            .name
            .to_string();
        let process = match f.opt_str("handle")?.map(str::trim) {
            None | Some("" | "process") => true,
            Some("save") => false,
            Some(_) => return Err(f.invalid("handle", "expected process or save")),
        };
        let period = match f.opt_str("period")? {
            None => 1,
            Some(_) => f.req_id("period")?,
        };
        if !(1..=10).contains(&period) {
            return Err(f.invalid("period", "expected 1 to 10 years"));
        }
        // The blocks of the domain's own TLD are checked; those of other TLDs (a
        // form's every field) are kept as sent.
        let tld_data = match f.get("tld_data") {
            None => None,
            Some(v) => {
                let json = v.to_json();
                crate::rules::tld::check(&domain, &json, false)
                    .map_err(|(field, why)| ApiError::invalid(field, why))?;
                Some(json.to_string())
            }
        };
        let profile = profile::ProfileCredentials::of_order(f)?;
        Ok(OrderBasics {
            domain,
            process,
            period,
            username: profile.username,
            password: profile.password,
            reg_domain: profile.domain,
            lock: f.opt_flag("f_lock_domain")?,
            whois_privacy: f.opt_flag("f_whois_privacy")?,
            auto_renew: f.opt_flag("auto_renew")?,
            tld_data,
        })
    }
}

/// The profile an order's domain goes into: an existing one opened by the
/// request's credentials (with `reg_domain`, one that holds that domain), or a new
/// one of that name.
pub(crate) fn order_profile(
    ctx: &Ctx<'_>,
    owner: i64,
    peer: IpAddr,
    username: &str,
    password: &str,
    reg_domain: Option<&str>,
) -> Result<OrderProfile, ApiError> {
    let unknown = if reg_domain.is_some() {
        Unknown::Refuse
    } else {
        Unknown::Allow
    };
    match profile::verify(
        ctx.app, owner, username, password, reg_domain, peer, unknown,
    )? {
        Some(p) => Ok(OrderProfile::Existing(p.id)),
        None if reg_domain.is_some() => Err(ApiError::ProfileAuth),
        None => Ok(OrderProfile::New {
            username: username.to_string(),
            password_hash: profile::hashed(password)?,
        }),
    }
}

impl crate::api::Handler for SwRegister {
    const NAME: &'static str = "SW_REGISTER";
    const VARIANTS: (&'static str, &'static [&'static str]) = (
        "reg_type",
        &["new", "transfer", "premium", "sunrise", "whois_privacy"],
    );

    fn parse(env: &crate::ops::Envelope, attrs: &Fields<'_>) -> Result<Self, ApiError> {
        let ip = env.top().get("registrant_ip").and_then(Value::as_str);
        match Order::parse(attrs, ip) {
            Ok(o) => Ok(SwRegister { parsed: Ok(o) }),
            Err(ApiError::Invalid(text)) => Ok(SwRegister { parsed: Err(text) }),
            Err(e) => Err(e),
        }
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let result = self
            .parsed
            .map_err(ApiError::Invalid)
            .and_then(|o| match o {
                Order::Transfer(t) => t.apply(ctx),
                Order::New(n) => n.apply(ctx),
                Order::Privacy(p) => p.apply(ctx),
            });
        match result {
            Err(ApiError::Invalid(text)) => Ok(failure_with_detail(codes::INVALID_VALUE, &text)),
            other => other,
        }
    }
}

/// A failure (465, 485, 487) whose text is also in `attributes.error`.
pub(crate) fn failure_with_detail(code: u16, text: &str) -> Reply {
    let mut attrs = Map::with_capacity(1);
    attrs.insert("error".into(), Value::from(text));
    let mut reply = Reply::ok((code, text), attrs, Layout::CodeSuccessAttrs);
    reply.success = false;
    reply
}
