//! What the HTTP surfaces hand the request journal: one request as a handler saw
//! it (the journal masks and formats it when it writes).

use super::routes::*;
use crate::api::{ApiError, Reply};
use bytes::Bytes;
use hyper::Method;
use hyper::header::HeaderMap;

/// One request for the journal, as a handler saw it (raw: the journal masks
/// and formats it when it writes).
pub(super) struct Journaled {
    pub(super) fault: Option<String>,
    pub(super) reseller_id: Option<i64>,
    pub(super) tenant: String,
    pub(super) coverage: Option<&'static str>,
    /// An Email API call's company and outcome, for its coverage (with
    /// `coverage` its method).
    pub(super) mail_company: Option<(i64, i64)>,
    pub(super) username: String,
    pub(super) surface: &'static str,
    pub(super) action: String,
    pub(super) code: u16,
    pub(super) success: bool,
    pub(super) head: String,
    pub(super) request: Bytes,
    pub(super) request_kind: crate::journal::Body,
    pub(super) reply: Bytes,
    pub(super) reply_kind: crate::journal::Body,
    pub(super) explanation: Option<serde_json::Value>,
}

/// A request's line and headers as the journal keeps them (secrets masked).
pub(super) fn journal_head(
    method: &Method,
    uri: &hyper::Uri,
    version: hyper::Version,
    headers: &HeaderMap,
) -> String {
    crate::journal::head(
        &format!("{method} {uri} {version:?}"),
        headers.iter().map(|(k, v)| (k.as_str(), v.as_bytes())),
    )
}

impl Service {
    /// Whether requests are journaled here (the sandbox's, unless turned off;
    /// production keeps none). Checked before anything is formatted for it.
    pub(super) fn journal_on(&self) -> bool {
        !self.state.config.production && self.state.config.journal
    }

    /// Keeps a request in the journal (see [`Service::journal_on`]).
    pub(super) fn journal(&self, j: Journaled) {
        if !self.journal_on() {
            return;
        }
        self.state.journal.record(crate::journal::Pending {
            at: self.state.clock.now().unix_timestamp(),
            reseller_id: j.reseller_id,
            tenant: j.tenant,
            username: j.username,
            surface: j.surface,
            action: j.action,
            coverage: j.coverage,
            mail_company: j.mail_company,
            code: i64::from(j.code),
            success: j.success,
            head: j.head,
            request: j.request,
            request_kind: j.request_kind,
            reply: j.reply,
            reply_kind: j.reply_kind,
            explanation: j.explanation,
            fault: j.fault,
            repeats: 1,
        });
    }

    /// Journals an OPS request refused before its body was read.
    pub(super) fn journal_refusal(&self, head: &str, user: String, e: &ApiError) {
        let reply = Reply::error(e).to_bytes();
        self.journal(Journaled {
            reseller_id: None,
            tenant: crate::journal::ANONYMOUS.to_string(),
            coverage: None,
            mail_company: None,
            username: user,
            surface: "ops",
            action: "-".into(),
            code: e.reply().0,
            success: false,
            head: head.to_string(),
            request: Bytes::new(),
            request_kind: crate::journal::Body::Withheld,
            reply: Bytes::from(reply),
            reply_kind: crate::journal::Body::OpsReply,
            explanation: Some(e.explain()),
            fault: None,
        });
    }
}
