//! SIMPLE_TRANSFER_STATUS (object DOMAIN): a job with its registrants and domains, in
//! the order and layout of the documented reply.

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::{ApiError, Attributes, Ctx, Layout, Reply};
use crate::ops::{Fragment, ItemWriter};
use crate::store::{DomainRow, JobRows, RegistrantRow};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleTransferStatus {
    pub job_id: i64,
}

impl crate::api::Handler for SimpleTransferStatus {
    const NAME: &'static str = "SIMPLE_TRANSFER_STATUS";
    const POLL: bool = true;

    fn parse(_env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(SimpleTransferStatus {
            job_id: f.req_id("simple_transfer_job_id")?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let reply = status_reply;
        let (store, cache) = (&ctx.app.store, &ctx.caches.status);
        let key = (ctx.reseller.id, self.job_id);
        let now = std::time::Instant::now();
        if let Some(f) = cache.get(store, key, now) {
            return Ok(reply(f));
        }
        // Taken before the read: a write committed after it makes the entry stale.
        let count = store.write_count();
        // Rows go straight from SQLite into the reply: a 10,000-domain job builds no
        // value tree.
        let mut attrs = StatusWriter::default();
        // Another reseller's job is answered exactly like a missing one.
        if !store.visit_job(Some(ctx.reseller.id), self.job_id, &mut attrs)? {
            return Err(ApiError::NotFound(codes::TRANSFER_JOB_NOT_FOUND));
        }
        let f = attrs.w.into_fragment();
        cache.put(key, count, now, &f);
        Ok(reply(f))
    }
}

/// The success reply around a job's written attributes.
pub fn status_reply(attributes: Fragment) -> Reply {
    let ok = codes::TRANSFER_LOADED;
    Reply::ok_with(
        (ok.code, ok.text),
        Attributes::Written(attributes),
        Layout::AttrsCodeSuccess,
    )
}

/// Writes the attributes as the rows arrive, in the documented order: status, name,
/// id, registrant_list, domain_list.
struct StatusWriter {
    w: ItemWriter,
}

impl Default for StatusWriter {
    fn default() -> Self {
        StatusWriter {
            w: ItemWriter::fragment(4096),
        }
    }
}

impl JobRows for StatusWriter {
    fn head(&mut self, id: i64, name: &str, status: &str) {
        self.w.scalar("status", status);
        self.w.scalar("name", name);
        self.w.int("id", id);
        self.w.list("registrant_list");
    }

    fn registrant(&mut self, r: RegistrantRow<'_>) {
        self.w.push_map();
        self.w.scalar("email_address", r.email);
        self.w.scalar("status", r.status);
        self.w.scalar("name", r.name);
        self.w.int("id", r.id);
        self.w.end();
    }

    fn registrants_done(&mut self) {
        self.w.end();
        self.w.list("domain_list");
    }

    fn domain(&mut self, d: DomainRow<'_>) {
        self.w.push_map();
        self.w.scalar("domain_name", d.name);
        self.w.scalar("status", d.status);
        self.w.opt_int("registrant_id", d.registrant_id);
        self.w.scalar("reason", d.reason.unwrap_or(""));
        self.w.end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::Map;

    /// The documented reply, written from the seed's rows, equals it byte for byte.
    #[test]
    fn seed_status_reply_layout() {
        let mut attrs = StatusWriter::default();
        attrs.head(134, "unspecified - 2014-07-03 18:34:34", "completed");
        attrs.registrant(RegistrantRow {
            id: 96,
            email: "jcrawford@tucows.com",
            name: "jeff crawford",
            status: "completed",
        });
        attrs.registrants_done();
        attrs.domain(DomainRow {
            name: "newtransfer477.com",
            status: "completed",
            registrant_id: Some(96),
            reason: None,
        });
        attrs.domain(DomainRow {
            name: "newtransfer478.com",
            status: "failed",
            registrant_id: None,
            reason: Some("Could not parse whois"),
        });
        let ok = codes::TRANSFER_LOADED;
        let reply = Reply::ok_with(
            (ok.code, ok.text),
            Attributes::Written(attrs.w.into_fragment()),
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
    fn job_with_no_rows_has_empty_lists() {
        let mut attrs = StatusWriter::default();
        attrs.head(1, "j", "pending");
        attrs.registrants_done();
        let text = String::from_utf8(
            Reply::ok_with(
                (200, "ok"),
                Attributes::Written(attrs.w.into_fragment()),
                Layout::AttrsCodeSuccess,
            )
            .to_bytes(),
        )
        .unwrap_or_default();
        assert!(
            text.contains("<item key=\"registrant_list\">\n       <dt_array>\n       </dt_array>")
        );
        assert!(text.contains("<item key=\"domain_list\">\n       <dt_array>\n       </dt_array>"));
    }

    #[test]
    fn job_id_must_be_digits() {
        let env = crate::ops::Envelope::from_map(Map::new());
        let parse = |f: &Fields<'_>| <SimpleTransferStatus as crate::api::Handler>::parse(&env, f);
        let mut m = Map::new();
        m.insert("simple_transfer_job_id".into(), "12a".into());
        assert!(matches!(parse(&Fields::new(&m)), Err(ApiError::Invalid(_))));
        assert!(matches!(
            parse(&Fields::new(&Map::new())),
            Err(ApiError::Missing(_))
        ));
    }
}
