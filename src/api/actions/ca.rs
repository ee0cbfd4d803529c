//! The .ca calls: GET_CA_BLOCKER_LIST, the names that block a new .ca registration
//! (`rules::ca`), and SEND_CIRA_APPROVAL_EMAIL,
//! the registrant agreement email sent again to the caller's .ca domain's admin
//! contact.

use crate::api::codes;
use crate::api::contact_set;
use crate::api::fields::Fields;
use crate::api::target::Named;
use crate::api::{ApiError, Ctx, Reply};
use crate::domain::DomainName;
use crate::ops::{Envelope, Map, Value};

use crate::rules::ca::label as ca_label;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetCaBlockerList {
    pub domain: String,
}

impl crate::api::Handler for GetCaBlockerList {
    const NAME: &'static str = "GET_CA_BLOCKER_LIST";

    fn parse(_env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let domain = DomainName::parse(f.req_str("domain")?)
            .map_err(|e| f.invalid("domain", &e.to_string()))?
            .name
            .to_string();
        if ca_label(&domain).is_none() {
            return Err(f.invalid("domain", "expected a .ca name"));
        }
        Ok(GetCaBlockerList { domain })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let mut blockers = Map::new();
        for v in crate::rules::ca::blockers(ctx.app, &self.domain)? {
            let mut m = Map::with_capacity(1);
            m.insert("status".into(), Value::from("registered"));
            blockers.insert(v.into(), Value::Map(m));
        }
        let mut attrs = Map::with_capacity(1);
        attrs.insert("blocker_list".into(), Value::Map(blockers));
        Ok(Reply::done(codes::COMMAND_OK, attrs))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendCiraApprovalEmail {
    pub named: Named,
}

impl crate::api::Handler for SendCiraApprovalEmail {
    const NAME: &'static str = "SEND_CIRA_APPROVAL_EMAIL";

    fn parse(env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(SendCiraApprovalEmail {
            named: Named::read(env, f, &["domain"])?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let d = self.named.resolve(ctx)?;
        if ca_label(&d.name).is_none() {
            return Err(ApiError::invalid("domain", format!("{} is not a .ca domain", d.name)));
        }
        let Some(to) = contact_set::email_of(d.contacts.as_deref(), "admin") else {
            return Err(ApiError::invalid("domain", "the domain's admin contact has no email address"));
        };
        let mail = crate::rules::tld::cira_approval_mail(&d.name, &to);
        let message_id = format!("<cira-{}@opsd>", crate::auth::random_hex(8));
        let audit = ctx.audit("send_cira_approval_email", &d.name, to.clone());
        ctx.app
            .store
            .send_mail_audited("cira_approval", &mail, &message_id, &audit)?;
        ctx.app.work.notify_one();
        Ok(Reply::done_bare(codes::DOMAIN_PASSWORD_SENT))
    }
}
