//! `POST /srv/push_domain`: the registry-style push (`crate::srv`), journaled.

use super::journaled::*;
use super::routes::*;
use crate::pages::Form;
use bytes::Bytes;
use hyper::body::Incoming;
use hyper::{Request, StatusCode};

impl Service {
    /// `POST /srv/push_domain`: the registry-style push, answered in plain text.
    pub(super) async fn srv_push_domain(&self, req: Request<Incoming>) -> Reply200 {
        // Only what the journal keeps is formatted, and only when it keeps anything.
        let head = if self.journal_on() {
            journal_head(req.method(), req.uri(), req.version(), req.headers())
        } else {
            String::new()
        };
        let Some(raw) = self.small_body(req).await else {
            return plain(StatusCode::PAYLOAD_TOO_LARGE, "form too large\n");
        };
        let form = Form::parse(&raw);
        let user = form.get("registrar").unwrap_or_default().to_string();
        let state = self.state.clone();
        let peer = self.peer.ip();
        let answered =
            tokio::task::spawn_blocking(move || crate::srv::push_domain(&state, &form, peer))
                .await
                .unwrap_or_else(|e| {
                    tracing::error!(error = %e, "srv push_domain panicked");
                    crate::srv::Answer::refused(crate::srv::INTERNAL)
                });
        let text = answered.text;
        let answer = text.clone();
        let ok = answer.starts_with("success");
        let (tenant, request_kind) = match &answered.registrar {
            Some(handle) => (
                crate::journal::tenant_of("srv", handle),
                crate::journal::Body::Form,
            ),
            None => (
                crate::journal::ANONYMOUS.to_string(),
                crate::journal::Body::Withheld,
            ),
        };
        self.journal(Journaled {
            reseller_id: None,
            tenant,
            coverage: None,
            mail_company: None,
            username: user,
            surface: "srv",
            action: "PUSH_DOMAIN".into(),
            code: 200,
            success: ok,
            head,
            request: raw.clone(),
            request_kind,
            reply: Bytes::from(answer.clone()),
            reply_kind: crate::journal::Body::Form,
            explanation: (!ok).then(|| {
                serde_json::json!({
                    "field": "-",
                    "rule": answer.trim(),
                    "accepted": "see docs/pushes.md (/srv/push_domain)",
                })
            }),
            fault: None,
        });
        respond(StatusCode::OK, TEXT, text)
    }
}
