//! SIMPLE_TRANSFER_STATUS (object DOMAIN): a job with its registrants and domains, in
//! the order and layout of the documented reply.

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::{ApiError, Ctx, Layout, Reply};
use crate::ops::{Map, Value};
use crate::store::JobView;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleTransferStatus {
    pub job_id: i64,
}

impl SimpleTransferStatus {
    pub fn parse(f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(SimpleTransferStatus {
            job_id: f.req_id("simple_transfer_job_id")?,
        })
    }

    pub fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        // Another reseller's job is answered exactly like a missing one.
        let job = ctx
            .app
            .store
            .transfer_job(ctx.reseller.id, self.job_id)?
            .ok_or(ApiError::NotFound(codes::TRANSFER_JOB_NOT_FOUND))?;
        let ok = codes::TRANSFER_LOADED;
        Ok(Reply::ok(
            (ok.code, ok.text),
            attributes(&job),
            Layout::AttrsCodeSuccess,
        ))
    }
}

/// status, name, id, registrant_list, domain_list — the documented order.
pub fn attributes(job: &JobView) -> Map {
    let opt = |v: Option<String>| Value::Scalar(v.unwrap_or_default());
    let registrants = job
        .registrants
        .iter()
        .map(|r| {
            let mut m = Map::with_capacity(4);
            m.insert("email_address".into(), r.email.as_str().into());
            m.insert("status".into(), r.status.as_str().into());
            m.insert("name".into(), r.name.as_str().into());
            m.insert("id".into(), Value::from(r.id));
            Value::Map(m)
        })
        .collect();
    let domains = job
        .domains
        .iter()
        .map(|d| {
            let mut m = Map::with_capacity(4);
            m.insert("domain_name".into(), d.name.as_str().into());
            m.insert("status".into(), d.status.as_str().into());
            m.insert(
                "registrant_id".into(),
                opt(d.registrant_id.map(|i| i.to_string())),
            );
            m.insert("reason".into(), opt(d.reason.clone()));
            Value::Map(m)
        })
        .collect();
    let mut attrs = Map::with_capacity(5);
    attrs.insert("status".into(), job.status.as_str().into());
    attrs.insert("name".into(), job.name.as_str().into());
    attrs.insert("id".into(), Value::from(job.id));
    attrs.insert("registrant_list".into(), Value::List(registrants));
    attrs.insert("domain_list".into(), Value::List(domains));
    attrs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{JobDomainView, RegistrantView};

    /// The documented reply, built from a job view, equals the seed byte for byte.
    #[test]
    fn seed_status_reply_layout() {
        let job = JobView {
            id: 134,
            name: "unspecified - 2014-07-03 18:34:34".into(),
            status: "completed".into(),
            registrants: vec![RegistrantView {
                id: 96,
                email: "jcrawford@tucows.com".into(),
                name: "jeff crawford".into(),
                status: "completed".into(),
            }],
            domains: vec![
                JobDomainView {
                    name: "newtransfer477.com".into(),
                    status: "completed".into(),
                    registrant_id: Some(96),
                    reason: None,
                },
                JobDomainView {
                    name: "newtransfer478.com".into(),
                    status: "failed".into(),
                    registrant_id: None,
                    reason: Some("Could not parse whois".into()),
                },
            ],
        };
        let ok = codes::TRANSFER_LOADED;
        let reply = Reply::ok(
            (ok.code, ok.text),
            attributes(&job),
            Layout::AttrsCodeSuccess,
        )
        .with_object("domain");
        let want = include_bytes!("../../../fixtures/seed/simple_transfer_status.reply.xml");
        assert_eq!(
            String::from_utf8_lossy(&reply.to_bytes()),
            String::from_utf8_lossy(want)
        );
    }

    #[test]
    fn job_id_must_be_digits() {
        let mut m = Map::new();
        m.insert("simple_transfer_job_id".into(), "12a".into());
        assert!(matches!(
            SimpleTransferStatus::parse(&Fields::new(&m)),
            Err(ApiError::Invalid(_))
        ));
        assert!(matches!(
            SimpleTransferStatus::parse(&Fields::new(&Map::new())),
            Err(ApiError::Missing(_))
        ));
    }
}
