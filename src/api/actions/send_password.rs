//! SEND_PASSWORD (object TRANSFER): sends the approval email of the caller's
//! transfer order again, to the address it went to, while the transfer waits for
//! its owner; `Can't find transfer request.` when there is no such order.
//!
//! SEND_PASSWORD (object DOMAIN): mails the domain's admin contact (or owner, with
//! `send_to=owner`) a link to set the password of the profile that holds the
//! domain (`rules::password_reset`); `sub_user=1` asks for a sub-user's, which no
//! domain has yet.

use crate::api::codes;
use crate::api::contact_set;
use crate::api::fields::Fields;
use crate::api::target::Named;
use crate::api::{ApiError, Ctx, Layout, Reply};
use crate::ops::Envelope;
use crate::rules::approval::{Registrant, approval_mail};

use super::orders::OrderRef;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendPassword {
    pub order: OrderRef,
}

impl crate::api::Handler for SendPassword {
    const NAME: &'static str = "SEND_PASSWORD";

    fn parse(_env: &Envelope, attrs: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(SendPassword {
            order: OrderRef::parse(attrs, "domain_name")?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let order = self.order.find(ctx)?;
        let refused = || ApiError::Refused(codes::RESEND_PROHIBITED);
        let (Some(job_id), Some((registrant_id, token, name)), Some(to)) =
            (order.job_id, &order.registrant, &order.request_address)
        else {
            return Err(refused());
        };
        let r = Registrant {
            email: to.clone(),
            name: name.clone(),
            domains: vec![order.domain.clone()],
        };
        let days = ctx.app.config.transfer_approval_window.as_secs() / 86_400;
        let mail = approval_mail(&ctx.app.config.public_url, &r, token, days as i64);
        if !ctx
            .app
            .store
            .resend_approval(job_id, *registrant_id, &mail, ctx.app.now())?
        {
            return Err(refused());
        }
        ctx.app.work.notify_one();
        let ok = codes::PASSWORD_SENT;
        Ok(Reply::ok_without_attributes(
            ok.code,
            ok.text,
            Layout::CodeSuccessAttrs,
        ))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendDomainPassword {
    pub named: Named,
    /// `owner` or `admin` (the default).
    pub send_to: &'static str,
    pub sub_user: bool,
}

impl crate::api::Handler for SendDomainPassword {
    const NAME: &'static str = "SEND_PASSWORD";

    fn parse(env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let send_to = match f.opt_str("send_to")?.map(|s| s.trim().to_ascii_lowercase()) {
            None => "admin",
            Some(s) if s.is_empty() || s == "admin" => "admin",
            Some(s) if s == "owner" => "owner",
            Some(_) => return Err(f.invalid("send_to", "expected owner or admin")),
        };
        Ok(SendDomainPassword {
            named: Named::read(env, f, &["domain_name", "domain"])?,
            send_to,
            sub_user: f.opt_flag("sub_user")?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let me = ctx.reseller.id;
        let d = self.named.resolve(ctx)?;
        if self.sub_user {
            return Err(ApiError::NotFound(codes::NO_SUB_USER));
        }
        let Some(to) = contact_set::email_of(d.contacts.as_deref(), self.send_to) else {
            return Err(ApiError::invalid(
                "send_to",
                format!("the domain's {} contact has no email address", self.send_to),
            ));
        };
        let username = ctx
            .app
            .store
            .profile_username(me, d.profile_id)?
            .unwrap_or_default();
        let reset = crate::rules::password_reset::plan(
            ctx.app,
            (me, d.profile_id, &username),
            &d.name,
            &to,
            ctx.app.now(),
        );
        ctx.app.store.start_password_reset(&reset)?;
        ctx.app.work.notify_one();
        Ok(Reply::done_bare(codes::DOMAIN_PASSWORD_SENT))
    }
}
