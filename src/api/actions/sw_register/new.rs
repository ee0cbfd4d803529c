//! SW_REGISTER `reg_type=new`: a registration. The contact set is checked as
//! OpenSRS checks it (every role; tech left out with `custom_tech_contact=0`), the
//! name must be free (`rules::availability`: 485 "Domain taken" otherwise), its
//! price for `period` years is charged to the balance, and the domain joins the
//! portfolio at once with its contacts, nameservers (custom, or the sandbox's
//! defaults), lock, privacy, auto-renew and TLD data, writing DOMAIN REGISTERED.
//! `handle=save` keeps the order whole (profile resolved, password hashed) without
//! registering; PROCESS_PENDING carries a kept order out later (`carry_out`).
//! While the name's registry is down the order is queued instead: the reply
//! fails with its `queue_request_id`, and the queue (`queued.rs`) carries it out
//! once the registry answers.

use crate::api::codes;
use crate::api::contact_set;
use crate::api::fields::Fields;
use crate::api::{ApiError, Ctx, Reply};
use crate::ops::{Map, Value};
use crate::registry::Availability;
use crate::rules::events::{OrderEvent, Ordered, ordered_domain};
use crate::rules::{availability, nameservers, price};
use crate::status::OrderStatus;
use crate::store::{
    ClaimOrder, Guard, KeptOrder, NewRegistration, OrderDone, OrderProfile, Written,
};

use super::{OrderBasics, failure_with_detail, order_profile};

/// The nameservers a registration gets without `custom_nameservers`.
pub const DEFAULT_NAMESERVERS: &[&str] = &["ns1.systemdns.com", "ns2.systemdns.com"];

/// What kind of registration: plain, of a name the registry prices as premium
/// (`reg_type=premium`), or in a TLD's sunrise with the trademark's SMD.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
pub enum RegKind {
    #[default]
    New,
    Premium,
    Sunrise,
}

#[derive(Clone, PartialEq, Eq)]
pub struct Registration {
    pub kind: RegKind,
    /// `premium_price_to_verify`, in cents: the order is refused unless the price
    /// is this.
    pub price_to_verify: Option<i64>,
    pub domain: String,
    pub username: String,
    pub password: String,
    pub reg_domain: Option<String>,
    pub save: bool,
    pub period: i64,
    pub nameservers: Vec<String>,
    pub contacts_json: String,
    pub admin_email: String,
    pub lock: bool,
    pub whois_privacy: bool,
    pub auto_renew: bool,
    pub tld_data: Option<String>,
    pub affiliate_id: Option<String>,
    pub auth_code: Option<String>,
    /// The DNS template the domain's zone is made from once it is registered.
    pub dns_template: Option<String>,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("domain", &self.domain)
            .field("username", &self.username)
            .field("password", &"***")
            .field("period", &self.period)
            .finish_non_exhaustive()
    }
}

/// `trademark_smd`: a signed mark as the TMCH issues it, with or without its
/// `-----BEGIN ENCODED SMD-----` armour; its base64 must decode.
fn smd(f: &Fields<'_>) -> Result<(), ApiError> {
    use base64::Engine;
    let raw = f.req_str("trademark_smd")?;
    let body: String = raw
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("-----"))
        .collect();
    let decoded = base64::engine::general_purpose::STANDARD.decode(body.as_bytes());
    match decoded {
        Ok(b) if !b.is_empty() => Ok(()),
        _ => Err(f.invalid(
            "trademark_smd",
            "expected an encoded SMD file (base64, with or without its armour lines)",
        )),
    }
}

impl Registration {
    pub fn parse(f: &Fields<'_>, kind: RegKind) -> Result<Self, ApiError> {
        if kind == RegKind::Sunrise {
            smd(f)?;
        }
        let price_to_verify = match f.opt_str("premium_price_to_verify")?.map(str::trim) {
            None | Some("") => None,
            Some(p) => Some(crate::money::parse_cents(p).ok_or_else(|| {
                f.invalid("premium_price_to_verify", "expected a price such as 1200.00")
            })?),
        };
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
        let save = !process;
        let nameservers = if f.opt_flag("custom_nameservers")? {
            let ns = super::super::simple_transfer::parse_nameservers(f)?;
            if ns.is_empty() {
                return Err(ApiError::Missing("nameserver_list".into()));
            }
            ns
        } else {
            DEFAULT_NAMESERVERS
                .iter()
                .map(|s| (*s).to_string())
                .collect()
        };
        let with_tech = match f.opt_str("custom_tech_contact")? {
            None => true,
            Some(_) => f.opt_flag("custom_tech_contact")?,
        };
        let (contacts_json, admin_email) = contact_set::parse(f, with_tech)?;
        let auth_code = match f.opt_str("auth_info")? {
            Some(_) => Some(super::super::modify::check_auth_code(f, "auth_info")?),
            None => None,
        };
        Ok(Registration {
            kind,
            price_to_verify,
            domain,
            username,
            password,
            reg_domain,
            save,
            period,
            nameservers,
            contacts_json,
            admin_email,
            lock,
            whois_privacy,
            auto_renew,
            tld_data,
            affiliate_id: f.opt_str("affiliate_id")?.map(|s| s.trim().to_string()),
            auth_code,
            dns_template: f
                .opt_str("dns_template")?
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty()),
        })
    }

    pub fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let profile = order_profile(
            ctx,
            ctx.reseller.id,
            ctx.peer,
            &self.username,
            &self.password,
            self.reg_domain.as_deref(),
        )?;
        match self.carry_out(ctx, &profile, Source::Request)? {
            Outcome::Refused(reply) | Outcome::AwaitingClaim(reply) => Ok(reply),
            Outcome::Saved(id) => {
                let mut attrs = Map::with_capacity(2);
                attrs.insert("id".into(), Value::from(id));
                attrs.insert("admin_email".into(), Value::from(self.admin_email.as_str()));
                Ok(Reply::done(codes::REGISTRATION_SAVED, attrs))
            }
            Outcome::Registered { done, .. } => Ok(self.registered_reply(done)),
        }
    }

    /// The order kept whole for PROCESS_PENDING: everything but the profile's
    /// password, whose profile is resolved (an existing one, or the new one's name
    /// and password hash).
    fn kept(&self, profile: &OrderProfile, queued_at: Option<i64>) -> String {
        let (profile_id, username, password_hash) = match profile {
            OrderProfile::Existing(id) => (Some(*id), None, None),
            OrderProfile::New {
                username,
                password_hash,
            } => (None, Some(username.clone()), Some(password_hash.clone())),
        };
        let kept = Kept {
            kind: self.kind.clone(),
            price_to_verify: self.price_to_verify,
            domain: self.domain.clone(),
            period: self.period,
            nameservers: self.nameservers.clone(),
            contacts: self.contacts_json.clone(),
            admin_email: self.admin_email.clone(),
            lock: self.lock,
            whois_privacy: self.whois_privacy,
            auto_renew: self.auto_renew,
            tld_data: self.tld_data.clone(),
            affiliate_id: self.affiliate_id.clone(),
            auth_code: self.auth_code.clone(),
            profile_id,
            username,
            password_hash,
            queued_at,
            dns_template: self.dns_template.clone(),
        };
        serde_json::to_string(&kept).unwrap_or_default()
    }

    /// A saved order read back: the registration and the profile it goes into.
    /// `None` for an order saved before opsd kept orders whole.
    pub fn from_kept(request: &str) -> Option<(Registration, OrderProfile)> {
        Self::read_kept(request).map(|(r, p, _)| (r, p))
    }

    /// [`Registration::from_kept`], with when the order was queued, if it was.
    pub fn read_kept(request: &str) -> Option<(Registration, OrderProfile, Option<i64>)> {
        let k: Kept = serde_json::from_str(request).ok()?;
        let profile = match (k.profile_id, k.username, k.password_hash) {
            (Some(id), _, _) => OrderProfile::Existing(id),
            (None, Some(username), Some(password_hash)) => OrderProfile::New {
                username,
                password_hash,
            },
            _ => return None,
        };
        let r = Registration {
            kind: k.kind,
            price_to_verify: k.price_to_verify,
            domain: k.domain,
            username: String::new(),
            password: String::new(),
            reg_domain: None,
            save: false,
            period: k.period,
            nameservers: k.nameservers,
            contacts_json: k.contacts,
            admin_email: k.admin_email,
            lock: k.lock,
            whois_privacy: k.whois_privacy,
            auto_renew: k.auto_renew,
            tld_data: k.tld_data,
            affiliate_id: k.affiliate_id,
            auth_code: k.auth_code,
            dns_template: k.dns_template,
        };
        Some((r, profile, k.queued_at))
    }

    /// Carries the order out into `profile`: kept when the registry refuses it
    /// (forced pending) or with `handle=save`, queued while the registry is down,
    /// else registered and charged. A kept order carried out (`source`
    /// PROCESS_PENDING or the queue) is completed rather than a new order
    /// placed, and a refusal leaves it as it was.
    pub fn carry_out(
        &self,
        ctx: &Ctx<'_>,
        profile: &OrderProfile,
        source: Source,
    ) -> Result<Outcome, ApiError> {
        let store = &ctx.app.store;
        let me = ctx.reseller.id;
        let now = ctx.app.now();
        let saved = source.order();
        let (premium, claim) = match availability::of(ctx.app, &self.domain)? {
            Ok(Availability::Available { premium, claim, .. }) => (premium, claim),
            Ok(Availability::Taken { .. } | Availability::Waiting) => {
                return self.forced_pending(ctx, profile, &[], saved, now);
            }
            Err(availability::Unanswered::Down) if source == Source::Request && !self.save => {
                return self.queue(ctx, profile, now);
            }
            Err(u) => return Err(super::super::lookup::unanswered(&u)),
        };
        let missing = nameservers::missing(store, &self.nameservers)?;
        if !missing.is_empty() {
            return self.forced_pending(ctx, profile, &missing, saved, now);
        }
        if self.kind == RegKind::Premium && !premium {
            return Err(ApiError::invalid(
                "reg_type",
                format!("{} is not a premium name: register it with reg_type=new", self.domain),
            ));
        }
        let cents = price::order_cents(store, ctx.reseller.id, &self.domain, "new", self.period, premium)?;
        // As documented: the order fails unless the price is the one verified.
        if let Some(want) = self.price_to_verify
            && want != cents
        {
            return Err(ApiError::invalid(
                "premium_price_to_verify",
                format!(
                    "{} does not match the price of {} for {} year(s), {}",
                    crate::money::format_cents(want),
                    self.domain,
                    self.period,
                    crate::money::format_cents(cents)
                ),
            ));
        }
        if self.save && saved.is_none() {
            let id = store.keep_registration(
                &self.kept_order(me, cents, &self.kept(profile, None)),
                OrderStatus::Saved,
                None,
                now,
            )?;
            return Ok(Outcome::Saved(id));
        }
        // A claim holds the order back until its registrant accepts the notice;
        // a sunrise order's SMD already proves the mark.
        if claim && self.kind != RegKind::Sunrise && !matches!(source, Source::Claim(_)) {
            return self.await_claim(ctx, profile, source, cents, now);
        }
        // The template's records now: a template the caller lacks is refused
        // before anything is charged.
        let zone = match &self.dns_template {
            Some(t) => match crate::rules::dns::from_template(store, (me, &self.domain), t, now)? {
                Some((records, event)) => Some((t.clone(), records, event)),
                None => {
                    return Err(ApiError::invalid(
                        "dns_template",
                        format!("no DNS template named '{t}'"),
                    ));
                }
            },
            None => None,
        };
        let expires_at = crate::rules::renewal::registration_expiry(now, self.period);
        let owner_email = contact_set::email_of(Some(&self.contacts_json), "owner")
            .unwrap_or_else(|| self.admin_email.clone());
        let verification =
            crate::rules::verification::plan(ctx.app, me, &self.domain, &owner_email, now)?;
        let n = NewRegistration {
            reseller_id: me,
            domain: self.domain.clone(),
            profile: profile.clone(),
            period: self.period,
            price_cents: cents,
            contacts_json: self.contacts_json.clone(),
            nameservers: self.nameservers.clone(),
            lock: self.lock,
            whois_privacy: self.whois_privacy,
            auto_renew: self.auto_renew,
            tld_data: self.tld_data.clone(),
            affiliate_id: self.affiliate_id.clone(),
            auth_code: self
                .auth_code
                .clone()
                .unwrap_or_else(super::super::send_authcode::fresh_auth_code),
            expires_at,
            verification,
            saved_order: source.kept(),
            zone,
            now,
        };
        let audit = ctx.audit(
            match source {
                Source::Request => "sw_register",
                Source::Saved(_) => "process_pending",
                Source::Queue(_) => "queued_request",
                Source::Claim(_) => "claims_accepted",
            },
            &self.domain,
            format!(
                "{}, {} year(s)",
                match self.kind {
                    RegKind::New => "new",
                    RegKind::Premium => "premium",
                    RegKind::Sunrise => "sunrise (SMD given)",
                },
                self.period
            ),
        );
        let ordered = Ordered {
            kind: OrderEvent::Registered,
            reseller_id: me,
            domain: &self.domain,
            period: self.period,
            expires: expires_at,
            cents,
        };
        let event = |done| ordered_domain(&ordered, done, now);
        let done = match store.register_domain(&n, &audit, &event) {
            Err(crate::store::StoreError::Conflict(what)) => {
                return Err(ApiError::invalid("reg_username", format!("{what} exists")));
            }
            other => other?,
        };
        match done {
            Written::Done(done) => {
                // The registrant's verification email, if one went out.
                ctx.app.work.notify_one();
                Ok(Outcome::Registered { done, expires_at })
            }
            // Processed or cancelled meanwhile by another call.
            Written::Stopped(Guard::Moved) if saved.is_some() => {
                Err(ApiError::Refused(codes::ORDER_NOT_PENDING))
            }
            // Registered elsewhere since it was looked up: the registry refuses it.
            // (No limit is passed down for orders.)
            Written::Stopped(Guard::NameHeld | Guard::Moved | Guard::LimitReached) => {
                self.forced_pending(ctx, profile, &[], saved, now)
            }
            Written::Stopped(Guard::FundsShort) => Ok(Outcome::Refused(failure_with_detail(
                codes::NO_FUNDS.code,
                codes::NO_FUNDS.text,
            ))),
        }
    }

    /// The order as the store keeps it.
    fn kept_order<'a>(&'a self, me: i64, cents: i64, request: &'a str) -> KeptOrder<'a> {
        KeptOrder {
            reseller_id: me,
            domain: &self.domain,
            period: self.period,
            price_cents: cents,
            request,
        }
    }

    /// The registry is down: the order is queued, and tried again by its task
    /// (`rules::orders::QUEUE_RETRY` from now) until the registry answers. The
    /// reply fails, as OpenSRS's does, and names the request by
    /// `queue_request_id` (QUERY_QUEUED_REQUEST reads it back).
    fn queue(&self, ctx: &Ctx<'_>, profile: &OrderProfile, now: i64) -> Result<Outcome, ApiError> {
        let cents = price::order_cents(&ctx.app.store, ctx.reseller.id, &self.domain, "new", self.period, false)?;
        let kept = self.kept(profile, Some(now));
        let id = ctx.app.store.keep_registration(
            &self.kept_order(ctx.reseller.id, cents, &kept),
            OrderStatus::Queued,
            Some(now + crate::rules::orders::QUEUE_RETRY),
            now,
        )?;
        let mut attrs = Map::with_capacity(2);
        attrs.insert("queue_request_id".into(), Value::from(id));
        attrs.insert("admin_email".into(), Value::from(self.admin_email.as_str()));
        let q = codes::REQUEST_QUEUED;
        let mut reply = Reply::ok((q.code, q.text), attrs, crate::api::Layout::CodeSuccessAttrs);
        reply.success = false;
        Ok(Outcome::Refused(reply))
    }

    /// The name has a trademark claim: the order waits for its registrant's
    /// answer to the notice mailed to them (`rules::claims`). 260, as OpenSRS
    /// answers, with `async_reason` `has_claim` and the order's id.
    fn await_claim(
        &self,
        ctx: &Ctx<'_>,
        profile: &OrderProfile,
        source: Source,
        cents: i64,
        now: i64,
    ) -> Result<Outcome, ApiError> {
        let me = ctx.reseller.id;
        let to = contact_set::email_of(Some(&self.contacts_json), "owner")
            .unwrap_or_else(|| self.admin_email.clone());
        let notice = crate::rules::claims::plan(ctx.app, me, &self.domain, &to, now);
        let kept = self.kept(profile, None);
        let order = match source.kept() {
            None => ClaimOrder::New(self.kept_order(me, cents, &kept)),
            Some((id, from)) => ClaimOrder::Kept { id, from },
        };
        let id = match ctx.app.store.await_claim(order, &notice)? {
            Written::Done(id) => id,
            Written::Stopped(_) => return Err(ApiError::Refused(codes::ORDER_NOT_PENDING)),
        };
        ctx.app.work.notify_one();
        let mut attrs = Map::with_capacity(3);
        attrs.insert("id".into(), Value::from(id));
        attrs.insert("async_reason".into(), Value::from("has_claim"));
        attrs.insert("admin_email".into(), Value::from(self.admin_email.as_str()));
        Ok(Outcome::AwaitingClaim(Reply::done(codes::CLAIM_PENDING, attrs)))
    }

    /// SW_REGISTER's reply to a registration carried out.
    fn registered_reply(&self, done: OrderDone) -> Reply {
        let mut attrs = Map::with_capacity(9);
        attrs.insert("id".into(), Value::from(done.order_id));
        attrs.insert("admin_email".into(), Value::from(self.admin_email.as_str()));
        let ok = codes::REGISTERED;
        attrs.insert("domain_id".into(), Value::from(done.domain_id));
        attrs.insert("registration_code".into(), Value::from(i64::from(ok.code)));
        attrs.insert("registration_text".into(), Value::from(ok.text));
        if self.whois_privacy {
            // Documented, and read by four client libraries.
            attrs.insert("whois_privacy_state".into(), Value::from("enabled"));
            // The privacy service is an order of its own, as the real reply says;
            // no earlier order of the name was waiting to be cancelled.
            let mut privacy = Map::with_capacity(4);
            let p = codes::WHOIS_PRIVACY_ENABLED;
            privacy.insert("response_code".into(), Value::from(i64::from(p.code)));
            privacy.insert("response_text".into(), Value::from(p.text));
            privacy.insert("is_success".into(), Value::from("1"));
            privacy.insert("order_id".into(), Value::from(done.order_id));
            attrs.insert("whois_privacy".into(), Value::Map(privacy));
            attrs.insert("cancelled_orders".into(), Value::List(Vec::new()));
        }
        Reply::done(ok, attrs)
    }

    /// A registration the registry refuses is kept as a saved order, "forced
    /// pending", as OpenSRS keeps it: 485 "Domain taken" when the name is not free,
    /// 435 when nameservers (`missing`) are unknown at the registry, each named;
    /// the reply names the order.
    /// PROCESS_PENDING of a saved order (`saved`) answers the same, and the order
    /// stays saved.
    fn forced_pending(
        &self,
        ctx: &Ctx<'_>,
        profile: &OrderProfile,
        missing: &[String],
        saved: Option<i64>,
        now: i64,
    ) -> Result<Outcome, ApiError> {
        let id = match saved {
            Some(id) => id,
            None => {
                let cents =
                    price::order_cents(&ctx.app.store, ctx.reseller.id, &self.domain, "new", self.period, false)?;
                ctx.app.store.keep_registration(
                    &self.kept_order(ctx.reseller.id, cents, &self.kept(profile, None)),
                    OrderStatus::Saved,
                    None,
                    now,
                )?
            }
        };
        let mut attrs = Map::with_capacity(4);
        let (code, text) = match missing {
            [] => (
                codes::DOMAIN_TAKEN.code,
                codes::DOMAIN_TAKEN.text.to_string(),
            ),
            hosts => {
                let text = codes::NAMESERVER_UNKNOWN_PREFIX.to_string()
                    + &hosts
                        .iter()
                        .map(|h| codes::NAMESERVER_UNKNOWN.text.replace("{host}", h))
                        .collect::<Vec<_>>()
                        .join(" ");
                attrs.insert("registration_text".into(), Value::from(text.as_str()));
                attrs.insert(
                    "registration_code".into(),
                    Value::from(i64::from(codes::NAMESERVER_UNKNOWN.code)),
                );
                attrs.insert("id".into(), Value::from(id));
                (codes::NAMESERVER_UNKNOWN.code, text)
            }
        };
        attrs.insert("forced_pending".into(), Value::from(id));
        let mut reply = Reply::ok((code, &text), attrs, crate::api::Layout::CodeSuccessAttrs);
        // Captured: "Domain taken" names the request it refused.
        if missing.is_empty() {
            reply = reply.with_transaction_id(now);
        }
        reply.success = false;
        Ok(Outcome::Refused(reply))
    }
}

/// Whose order [`Registration::carry_out`] carries out: one placed by this
/// request, a saved one (PROCESS_PENDING), one the queue tries again, or one
/// whose registrant accepted its claims notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Request,
    Saved(i64),
    Queue(i64),
    Claim(i64),
}

impl Source {
    /// The kept order carried out, if any.
    fn order(self) -> Option<i64> {
        self.kept().map(|(id, _)| id)
    }

    /// The kept order carried out, with the status it must still have.
    fn kept(self) -> Option<(i64, OrderStatus)> {
        match self {
            Source::Request => None,
            Source::Saved(id) => Some((id, OrderStatus::Saved)),
            Source::Queue(id) => Some((id, OrderStatus::Queued)),
            Source::Claim(id) => Some((id, OrderStatus::AwaitingClaim)),
        }
    }
}

/// What carrying out a registration came to.
pub enum Outcome {
    /// Registered: the order and domain, and the expiry it got.
    Registered { done: OrderDone, expires_at: i64 },
    /// Kept with `handle=save`: the order's id.
    Saved(i64),
    /// Refused or kept forced pending: the reply that says so.
    Refused(Reply),
    /// Held back for its registrant's answer to a claims notice: the reply (260).
    AwaitingClaim(Reply),
}

/// A saved registration as its order keeps it (`portfolio_orders.request`).
#[derive(serde::Serialize, serde::Deserialize)]
struct Kept {
    #[serde(default)]
    kind: RegKind,
    #[serde(default)]
    price_to_verify: Option<i64>,
    domain: String,
    period: i64,
    nameservers: Vec<String>,
    contacts: String,
    admin_email: String,
    lock: bool,
    whois_privacy: bool,
    auto_renew: bool,
    tld_data: Option<String>,
    affiliate_id: Option<String>,
    auth_code: Option<String>,
    profile_id: Option<i64>,
    username: Option<String>,
    password_hash: Option<String>,
    /// When the order was queued because its registry was down.
    #[serde(default)]
    queued_at: Option<i64>,
    #[serde(default)]
    dns_template: Option<String>,
}
