//! CHECK_TRANSFER (object DOMAIN): whether a domain can be transferred in now, and
//! with `check_status=1` where the reseller's own transfer of it stands. Asking about
//! a transfer waiting at the registry expedites it, as documented: it completes
//! within five minutes of server time.

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::{ApiError, Ctx, Layout, Reply};
use crate::domain::DomainName;
use crate::ops::{Map, Value};
use crate::rules::transfer::{NotTransferable, RegistryRefusal, why_not};
use crate::status::DomainStatus;
use crate::store::TransferState;

/// The documented expedite: a transfer at the registry completes within this.
const EXPEDITE_SECS: i64 = 300;

/// Reasons, the first two as captured from the real server.
mod reason {
    pub const IN_ACCOUNT: &str = "Domain already exists in user's account";
    pub const IN_PROGRESS: &str = "Transfer in progress";
    pub const LOCKED: &str = "Domain status clientTransferProhibited does not allow for transfer";
    pub const OTHER_RESELLER: &str = "Domain already exists in another reseller's account";
    pub const YOUNG_REGISTRATION: &str = "Domain was registered less than 60 days ago";
    pub const YOUNG_TRANSFER: &str = "Domain was transferred less than 60 days ago";
    pub const NOT_AT_REGISTRY: &str = "Domain not found at the registry";
    pub const REGISTRY_DOWN: &str = "Registry unavailable; try again later";
    pub const NO_SERVICE: &str = "Transfers of this TLD are not offered";
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckTransfer {
    pub domain: String,
    pub check_status: bool,
    pub get_request_address: bool,
}

/// The answer before it is written.
struct Verdict {
    transferrable: bool,
    noservice: bool,
    reason: &'static str,
    reason_code: Option<&'static str>,
}

impl Verdict {
    fn no(reason: &'static str) -> Verdict {
        Verdict {
            transferrable: false,
            noservice: false,
            reason,
            reason_code: None,
        }
    }
}

/// `status` (OpenSRS's names), `request_address`, `unixtime` and `timestamp` of the
/// reseller's latest transfer of the domain (`undef` when there is none); a transfer
/// at the registry is brought forward to complete within five minutes.
fn status_attributes(
    ctx: &Ctx<'_>,
    ongoing: Option<&TransferState>,
    now: i64,
    attrs: &mut Map,
) -> Result<(), ApiError> {
    let Some(t) = ongoing else {
        attrs.insert("status".into(), Value::from("undef"));
        return Ok(());
    };
    let status = crate::rules::transfer::opensrs_status(Some(t.status));
    if t.status == DomainStatus::PendingRegistry
        && ctx
            .app
            .store
            .expedite_registry_step(t.job_id, t.position, now + EXPEDITE_SECS)?
    {
        ctx.app.work.notify_one();
    }
    attrs.insert("status".into(), Value::from(status));
    attrs.insert(
        "request_address".into(),
        Value::from(t.registrant_email.clone().unwrap_or_default()),
    );
    attrs.insert("unixtime".into(), Value::from(t.requested_at));
    attrs.insert(
        "timestamp".into(),
        Value::from(crate::clock::ctime(t.requested_at)),
    );
    Ok(())
}

impl crate::api::Handler for CheckTransfer {
    const NAME: &'static str = "CHECK_TRANSFER";

    fn parse(_env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let raw = f.req_str("domain")?;
        let domain = DomainName::parse(raw)
            .map_err(|e| f.invalid("domain", &e.to_string()))?
            .name;
        Ok(CheckTransfer {
            domain: domain.to_string(),
            check_status: f.opt_flag("check_status")?,
            get_request_address: f.opt_flag("get_request_address")?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let store = &ctx.app.store;
        let now = ctx.app.now();
        let me = ctx.reseller.id;
        let ongoing = store.transfer_state(me, &self.domain)?;
        let verdict = match why_not(ctx.app, me, &self.domain, "", ongoing.as_ref(), now)? {
            None => Verdict {
                transferrable: true,
                ..Verdict::no("")
            },
            Some(NotTransferable::InYourAccount) => Verdict {
                reason_code: Some("domain_already_belongs_to_current_reseller"),
                ..Verdict::no(reason::IN_ACCOUNT)
            },
            Some(NotTransferable::OtherReseller) => Verdict {
                reason_code: Some("domain_already_belongs_to_another_reseller"),
                ..Verdict::no(reason::OTHER_RESELLER)
            },
            Some(NotTransferable::InProgress) => Verdict::no(reason::IN_PROGRESS),
            Some(NotTransferable::NotAtRegistry) => Verdict::no(reason::NOT_AT_REGISTRY),
            Some(NotTransferable::NoService) => Verdict {
                noservice: true,
                ..Verdict::no(reason::NO_SERVICE)
            },
            Some(NotTransferable::RegistryDown) => Verdict {
                noservice: true,
                ..Verdict::no(reason::REGISTRY_DOWN)
            },
            Some(NotTransferable::Refused(r)) => Verdict::no(match r {
                RegistryRefusal::Locked => reason::LOCKED,
                RegistryRefusal::YoungRegistration => reason::YOUNG_REGISTRATION,
                RegistryRefusal::YoungTransfer => reason::YOUNG_TRANSFER,
            }),
        };
        // The captured reply's order: noservice, reason, transferrable.
        let mut attrs = Map::with_capacity(8);
        attrs.insert(
            "noservice".into(),
            Value::from(i64::from(verdict.noservice)),
        );
        attrs.insert("reason".into(), Value::from(verdict.reason));
        if let Some(code) = verdict.reason_code {
            attrs.insert("reason_code".into(), Value::from(code));
        }
        attrs.insert(
            "transferrable".into(),
            Value::from(i64::from(verdict.transferrable)),
        );
        if self.check_status {
            status_attributes(ctx, ongoing.as_ref(), now, &mut attrs)?;
        } else if self.get_request_address
            && let Some(address) = ongoing.as_ref().and_then(|t| t.registrant_email.clone())
        {
            attrs.insert("request_address".into(), Value::from(address));
        }
        let ok = codes::CHECK_TRANSFER_OK;
        Ok(Reply::ok(
            (ok.code, ok.text),
            attrs,
            Layout::CodeSuccessAttrs,
        ))
    }
}
