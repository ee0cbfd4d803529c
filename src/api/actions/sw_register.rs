//! SW_REGISTER (object DOMAIN). `reg_type=new` is a registration (see
//! `registration`); `reg_type=transfer`, here, is the single transfer every
//! billing module sends (WHMCS's TransferDomain, Blesta, the PHP toolkit, yola,
//! Net::DRI). The order is checked, its price held, and with `handle=process` its
//! transfer runs through the lifecycle SIMPLE_TRANSFER uses: analysis, the approval
//! email to the admin contact (or `owner_confirm_address`), the approval page, the
//! registry; on completion the domain joins the portfolio with the request's
//! contacts, nameservers and lock. `handle=save` keeps the order without starting it.
//!
//! A 465 carries its detail in `attributes.error` too: WHMCS shows
//! `response_text - error`.

use std::net::IpAddr;

use crate::api::codes;
use crate::api::contact_set;
use crate::api::fields::Fields;
use crate::api::profile::{self, Unknown};
use crate::api::{ApiError, Ctx, Layout, Reply};
use crate::domain::DomainName;
use crate::ops::{Map, Value};
use crate::rules::transfer::{NotTransferable, RegistryRefusal, why_not};
use crate::store::{NewOrder, OrderProfile};

/// The request as read; a field error is kept to be answered with
/// `attributes.error` (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwRegister {
    /// The order, or the sentence of its field error.
    pub parsed: Result<Order, String>,
}

/// The two kinds of SW_REGISTER order answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Order {
    Transfer(TransferOrder),
    New(super::registration::Registration),
}

impl Order {
    fn parse(f: &Fields<'_>, registrant_ip: Option<&str>) -> Result<Order, ApiError> {
        match f.req_str("reg_type")?.trim().to_ascii_lowercase().as_str() {
            "transfer" => TransferOrder::parse(f, registrant_ip).map(Order::Transfer),
            "new" => super::registration::Registration::parse(f).map(Order::New),
            other => Err(f.invalid(
                "reg_type",
                &format!("'{other}' is not supported; opsd takes new or transfer"),
            )),
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct TransferOrder {
    pub domain: String,
    pub auth_info: String,
    pub username: String,
    pub password: String,
    pub reg_domain: Option<String>,
    pub process: bool,
    pub nameservers: Vec<String>,
    /// The contact set as JSON (owner, admin, billing, tech when given).
    pub contacts_json: String,
    pub admin_email: String,
    pub lock_domain: bool,
    pub whois_privacy: bool,
    pub auto_renew: bool,
    /// `tld_data` as JSON, kept as sent.
    pub tld_data: Option<String>,
    pub period: i64,
    pub approver: Option<String>,
    pub registrant_ip: Option<String>,
}

impl std::fmt::Debug for TransferOrder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransferOrder")
            .field("domain", &self.domain)
            .field("username", &self.username)
            .field("password", &"***")
            .field("auth_info", &"***")
            .field("process", &self.process)
            .finish_non_exhaustive()
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
        Ok(OrderBasics {
            domain,
            process,
            period,
            username: f.req_str("reg_username")?.trim().to_string(),
            password: f.req_str("reg_password")?.to_string(),
            reg_domain: f
                .opt_str("reg_domain")?
                .map(|d| d.trim().to_lowercase())
                .filter(|d| !d.is_empty()),
            lock: f.opt_flag("f_lock_domain")?,
            whois_privacy: f.opt_flag("f_whois_privacy")?,
            auto_renew: f.opt_flag("auto_renew")?,
            tld_data: f.get("tld_data").map(|v| to_json(v).to_string()),
        })
    }
}

impl TransferOrder {
    pub fn parse(f: &Fields<'_>, registrant_ip: Option<&str>) -> Result<Self, ApiError> {
        let OrderBasics {
            domain,
            process,
            period,
            username,
            password,
            reg_domain,
            lock,
            whois_privacy,
            auto_renew,
            tld_data,
        } = OrderBasics::parse(f)?;
        // yola sends its transfer's nameservers under custom_transfer_nameservers.
        let nameservers =
            if f.opt_flag("custom_nameservers")? || f.opt_flag("custom_transfer_nameservers")? {
                super::simple_transfer::parse_nameservers(f)?
            } else {
                Vec::new()
            };
        let with_tech = match f.opt_str("custom_tech_contact")? {
            None => true,
            Some(_) => f.opt_flag("custom_tech_contact")?,
        };
        let (contacts_json, admin_email) = contact_set::parse(f, with_tech)?;
        let approver = f
            .opt_str("owner_confirm_address")?
            .map(|a| a.trim().to_lowercase())
            .filter(|a| !a.is_empty());
        if let Some(a) = &approver
            && !crate::mail::plausible_address(a)
        {
            return Err(f.invalid("owner_confirm_address", "is not an email address"));
        }
        Ok(TransferOrder {
            domain,
            // Optional: some registries take none (.uk), and yola sends it only when
            // its caller does; the registry's check decides.
            auth_info: f.opt_str("auth_info")?.unwrap_or("").to_string(),
            username,
            password,
            reg_domain,
            process,
            nameservers,
            contacts_json,
            admin_email,
            lock_domain: lock,
            whois_privacy,
            auto_renew,
            tld_data,
            period,
            approver,
            registrant_ip: registrant_ip.map(str::to_string),
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let store = &ctx.app.store;
        let me = ctx.reseller.id;
        let now = ctx.app.now();
        if let Some(refused) = self.refusal(ctx, now)? {
            return Ok(refused);
        }
        let profile = self.profile(ctx, me, ctx.peer)?;
        let tld = self.domain.rsplit('.').next().unwrap_or("");
        let order = NewOrder {
            reseller_id: me,
            domain: self.domain.clone(),
            auth_info: self.auth_info.clone(),
            process: self.process,
            profile,
            nameservers: self.nameservers.clone(),
            contacts_json: Some(self.contacts_json.clone()),
            lock_domain: self.lock_domain,
            whois_privacy: self.whois_privacy,
            auto_renew: self.auto_renew,
            tld_data: self.tld_data.clone(),
            period: self.period,
            approver: self.approver.clone(),
            price_cents: crate::rules::price::transfer_cents(store, tld)?,
            registrant_ip: self.registrant_ip.clone(),
            created_at: now,
        };
        let taken = match store.create_order(&order) {
            Err(crate::store::StoreError::Conflict(what)) => {
                return Err(ApiError::invalid("reg_username", format!("{what} exists")));
            }
            other => other?,
        };
        let address = self.approver_address(ctx);
        let mut attrs = Map::with_capacity(4);
        let (code, text) = match taken {
            Ok((id, Some(_job))) => {
                ctx.app.work.notify_one();
                attrs.insert("id".into(), Value::from(id));
                attrs.insert("transfer_id".into(), Value::from(id));
                let ok = codes::TRANSFER_INITIATED;
                (ok.code, ok.text.to_string())
            }
            Ok((id, None)) => {
                attrs.insert("id".into(), Value::from(id));
                let ok = codes::TRANSFER_SAVED;
                (ok.code, ok.text.to_string())
            }
            Err(crate::store::InsufficientFunds) => {
                // Kept as a saved order, as OpenSRS keeps it ("forced pending").
                let saved = NewOrder {
                    process: false,
                    ..order
                };
                let (id, _) = store
                    .create_order(&saved)?
                    .map_err(|_| ApiError::Internal("a saved order needs no funds".into()))?;
                attrs.insert("id".into(), Value::from(id));
                attrs.insert("forced_pending".into(), Value::from(id));
                let ok = codes::TRANSFER_NO_FUNDS;
                (ok.code, ok.text.to_string())
            }
        };
        attrs.insert("admin_email".into(), Value::from(address));
        // As captured: the order's own outcome beside the reply's.
        attrs.insert("registration_code".into(), Value::from(i64::from(code)));
        attrs.insert("registration_text".into(), Value::from(text.as_str()));
        Ok(Reply::ok((code, &text), attrs, Layout::CodeSuccessAttrs))
    }

    /// Where the approval request will go, as the reply's `admin_email` tells the
    /// client: `owner_confirm_address`, else the admin contact WHOIS shows now (the
    /// analysis asks the same), else the request's admin contact.
    fn approver_address(&self, ctx: &Ctx<'_>) -> String {
        if let Some(a) = &self.approver {
            return a.clone();
        }
        ctx.app
            .whois
            .lookup(&self.domain)
            .ok()
            .and_then(|text| crate::whois::parse_full(&text).ok())
            .map(|r| r.admin.email.trim().to_lowercase())
            .filter(|e| !e.is_empty())
            .unwrap_or_else(|| self.admin_email.clone())
    }

    /// 487 when the domain cannot be transferred in now (see
    /// `rules::transfer::why_not`), with the reason in a sentence.
    fn refusal(&self, ctx: &Ctx<'_>, now: i64) -> Result<Option<Reply>, ApiError> {
        use NotTransferable as N;
        let ongoing = ctx
            .app
            .store
            .transfer_state(ctx.reseller.id, &self.domain)?;
        let why = why_not(
            ctx.app,
            ctx.reseller.id,
            &self.domain,
            &self.auth_info,
            ongoing.as_ref(),
            now,
        )?;
        let Some(why) = why else {
            return Ok(None);
        };
        let sentence = match why {
            N::InYourAccount => "it is already in your account",
            N::OtherReseller => "it is in another reseller's account",
            N::InProgress => "a transfer of it is in progress",
            N::NotAtRegistry => "the registry does not know it",
            N::RegistryDown => "its registry is unavailable",
            N::NoService => "transfers of its TLD are not offered",
            N::Refused(RegistryRefusal::Locked) => "it is locked (clientTransferProhibited)",
            N::Refused(RegistryRefusal::YoungRegistration) => {
                "it was registered less than 60 days ago"
            }
            N::Refused(RegistryRefusal::YoungTransfer) => {
                "it was transferred less than 60 days ago"
            }
        };
        Ok(Some(failure_with_detail(
            codes::NOT_TRANSFERABLE,
            &format!("Domain {} is not transferable: {sentence}.", self.domain),
        )))
    }

    fn profile(&self, ctx: &Ctx<'_>, owner: i64, peer: IpAddr) -> Result<OrderProfile, ApiError> {
        order_profile(
            ctx,
            owner,
            peer,
            &self.username,
            &self.password,
            self.reg_domain.as_deref(),
        )
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
            password_hash: crate::auth::hash_password(password).map_err(|e| match e {
                crate::auth::PasswordError::Busy => ApiError::Busy,
                crate::auth::PasswordError::Failed => ApiError::Internal(e.to_string()),
            })?,
        }),
    }
}

/// An OPS value as JSON: maps as objects, arrays as arrays, scalars as strings.
pub(crate) fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Scalar(s) => serde_json::Value::String(s.to_string()),
        Value::Map(m) => {
            serde_json::Value::Object(m.iter().map(|(k, v)| (k.to_string(), to_json(v))).collect())
        }
        Value::List(l) => serde_json::Value::Array(l.iter().map(to_json).collect()),
    }
}

impl crate::api::Handler for SwRegister {
    const NAME: &'static str = "SW_REGISTER";

    fn answers(action: &str, object: &str) -> bool {
        (action, object) == ("SW_REGISTER", "DOMAIN")
    }

    fn read(env: &crate::ops::Envelope, attrs: &Fields<'_>) -> Result<Self, ApiError> {
        let ip = env.top().get("registrant_ip").and_then(Value::as_str);
        match Order::parse(attrs, ip) {
            Ok(o) => Ok(SwRegister { parsed: Ok(o) }),
            Err(ApiError::Invalid(text)) => Ok(SwRegister { parsed: Err(text) }),
            Err(e) => Err(e),
        }
    }

    fn run(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let result = self
            .parsed
            .map_err(ApiError::Invalid)
            .and_then(|o| match o {
                Order::Transfer(t) => t.apply(ctx),
                Order::New(n) => n.apply(ctx),
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
