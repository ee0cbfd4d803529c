//! SEND_PASSWORD (object TRANSFER): sends the approval email of the caller's
//! transfer order again, to the address it went to, while the transfer waits for
//! its owner; `Can't find transfer request.` when there is no such order. (On
//! object DOMAIN the same action name resets a domain password: not answered yet.)

use crate::api::codes;
use crate::api::fields::Fields;
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
