//! SW_REGISTER `reg_type=transfer`: the single transfer every billing module sends
//! (WHMCS's TransferDomain, Blesta, the PHP toolkit, yola, Net::DRI). The order is
//! checked, its price held, and with `handle=process` its transfer runs through the
//! lifecycle SIMPLE_TRANSFER uses: analysis, the approval email to the admin contact
//! (or `owner_confirm_address`), the approval page, the registry; on completion the
//! domain joins the portfolio with the request's contacts, nameservers and lock.
//! `handle=save` keeps the order without starting it.

use std::net::IpAddr;

use crate::api::codes;
use crate::api::contact_set;
use crate::api::fields::Fields;
use crate::api::{ApiError, Ctx, Layout, Reply};

use crate::ops::{Map, Value};
use crate::rules::transfer::{NotTransferable, RegistryRefusal, why_not};
use crate::store::{NewOrder, OrderProfile, Written};

use super::{OrderBasics, failure_with_detail, order_profile};

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
                super::super::simple_transfer::parse_nameservers(f)?
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

    pub(super) fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
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
            price_cents: crate::rules::price::transfer_cents(store, ctx.reseller.id, tld)?,
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
            Written::Done((id, Some(_job))) => {
                ctx.app.work.notify_one();
                attrs.insert("id".into(), Value::from(id));
                attrs.insert("transfer_id".into(), Value::from(id));
                let ok = codes::TRANSFER_INITIATED;
                (ok.code, ok.text.to_string())
            }
            Written::Done((id, None)) => {
                attrs.insert("id".into(), Value::from(id));
                let ok = codes::TRANSFER_SAVED;
                (ok.code, ok.text.to_string())
            }
            Written::Stopped(_) => {
                // Kept as a saved order, as OpenSRS keeps it ("forced pending").
                let saved = NewOrder {
                    process: false,
                    ..order
                };
                let Written::Done((id, _)) = store.create_order(&saved)? else {
                    return Err(ApiError::Internal("a saved order needs no funds".into()));
                };
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
