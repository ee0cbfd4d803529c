//! SEND_AUTHCODE (object DOMAIN): mails the domain's auth code to its admin
//! contact. The documented attribute is `domain_name`; `domain` and a cookie are
//! taken too. A domain that arrived by transfer or push is given a code first.

use crate::api::codes;
use crate::api::contact_set;
use crate::api::fields::Fields;
use crate::api::target::Named;
use crate::api::{ApiError, Ctx, Layout, Reply};
use crate::store::Mail;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendAuthcode {
    pub named: Named,
}

/// A new auth code: 16 random characters a registry takes.
pub(crate) fn fresh_auth_code() -> String {
    crate::auth::random_hex(8)
}

impl crate::api::Handler for SendAuthcode {
    const NAME: &'static str = "SEND_AUTHCODE";

    fn parse(env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(SendAuthcode {
            named: Named::read(env, f, &["domain_name", "domain"])?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let d = self.named.resolve(ctx)?;
        let to = contact_set::email_of(d.contacts.as_deref(), "admin")
            .filter(|e| crate::mail::plausible_address(e))
            .ok_or_else(|| {
                ApiError::invalid("domain_name", "the domain has no admin contact address")
            })?;
        let code = ctx
            .app
            .store
            .auth_code(ctx.reseller.id, d.id, &fresh_auth_code())?;
        let mail = Mail {
            to,
            subject: format!("Domain authorization code for {}", d.name),
            body: format!(
                "Hello,\n\nThe authorization (EPP) code for {} is:\n\n  {code}\n\n\
                 Give it to the registrar you are transferring the domain to.\n",
                d.name
            ),
        };
        // The audit row names the domain, never the code.
        let audit = ctx.audit("send_authcode", &d.name, format!("to {}", mail.to));
        let message_id = format!("<authcode-{}@opsd>", crate::auth::random_hex(8));
        ctx.app
            .store
            .send_mail_audited("auth_code", &mail, &message_id, &audit)?;
        ctx.app.work.notify_one();
        let ok = codes::AUTHCODE_SENT;
        Ok(Reply::ok_without_attributes(
            ok.code,
            ok.text,
            Layout::CodeSuccessAttrs,
        ))
    }
}
