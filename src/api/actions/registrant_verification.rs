//! GET_REGISTRANT_VERIFICATION_STATUS and SEND_REGISTRANT_VERIFICATION_EMAIL (object
//! DOMAIN): where the registrant verification of the caller's domain stands, and
//! its email again (`rules::verification`). The attributes are flat, as OpenSRS's
//! WHMCS module reads them: `registrant_verification_status`, and while one waits
//! or has suspended the domain, `verification_deadline`, `days_to_suspend` and
//! `email_bounced` (`1`/`0`).

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::target::Named;
use crate::api::{ApiError, Ctx, Layout, Reply};
use crate::ops::{Map, Value};
use crate::rules::verification::{self, NotResent};
use crate::status::VerificationStatus;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetVerificationStatus {
    pub named: Named,
}

impl crate::api::Handler for GetVerificationStatus {
    const NAME: &'static str = "GET_REGISTRANT_VERIFICATION_STATUS";

    fn parse(env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(GetVerificationStatus {
            named: Named::read(env, f, &["domain"])?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let d = self.named.resolve(ctx)?;
        let now = ctx.app.now();
        let mut attrs = Map::with_capacity(4);
        match ctx.app.store.verification(ctx.reseller.id, &d.name)? {
            Some(v) => {
                attrs.insert(
                    "registrant_verification_status".into(),
                    Value::from(v.status.as_str()),
                );
                if v.status != VerificationStatus::Verified {
                    attrs.insert(
                        "verification_deadline".into(),
                        Value::from(crate::clock::unix_timestamp_text(v.deadline)),
                    );
                    attrs.insert(
                        "days_to_suspend".into(),
                        Value::from(verification::days_to_suspend(v.deadline, now)),
                    );
                    attrs.insert(
                        "email_bounced".into(),
                        Value::from(if v.bounced { "1" } else { "0" }),
                    );
                }
            }
            // Never asked: a domain the sandbox world started with (registered before
            // verification, so verified), or a country-code domain (not started).
            None => {
                let status = if verification::applies(&d.name) {
                    "verified"
                } else {
                    "unverified"
                };
                attrs.insert("registrant_verification_status".into(), Value::from(status));
            }
        }
        let ok = codes::COMMAND_OK;
        Ok(Reply::ok(
            (ok.code, ok.text),
            attrs,
            Layout::CodeSuccessAttrs,
        ))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendVerificationEmail {
    pub named: Named,
}

impl crate::api::Handler for SendVerificationEmail {
    const NAME: &'static str = "SEND_REGISTRANT_VERIFICATION_EMAIL";

    fn parse(env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(SendVerificationEmail {
            named: Named::read(env, f, &["domain"])?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let d = self.named.resolve(ctx)?;
        let Some(v) = ctx.app.store.verification(ctx.reseller.id, &d.name)? else {
            return Err(ApiError::Refused(codes::VERIFICATION_NOT_STARTED));
        };
        match verification::resend(ctx.app, &v)? {
            Ok(()) => Ok(Reply::done_bare(codes::VERIFICATION_RESENT)),
            Err(NotResent::NotStarted) => Err(ApiError::Refused(codes::VERIFICATION_NOT_STARTED)),
            Err(NotResent::Bounced) => Err(ApiError::Refused(codes::VERIFICATION_BOUNCED)),
        }
    }
}
