//! `POST /api/<method>` with JSON: the OpenSRS Email API (`hosted_mail::api`),
//! journaled; `GET /api/oma_file/get`: its download links
//! (`hosted_mail::downloads`).

use super::journaled::*;
use super::routes::*;
use bytes::Bytes;
use hyper::body::Incoming;
use hyper::{Request, StatusCode};

impl Service {
    /// `GET /api/oma_file/get?…`: a stats snapshot or a migration trace.
    pub(super) async fn email_file(&self, req: Request<Incoming>) -> Reply200 {
        let query = req
            .uri()
            .query()
            .unwrap_or("")
            .chars()
            .take(2_048)
            .collect::<String>();
        let state = self.state.clone();
        let (status, kind, body) = tokio::task::spawn_blocking(move || {
            crate::hosted_mail::downloads::serve(&state, &query)
        })
        .await
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "email file panicked");
            (500, "text/plain", "Server error\n".into())
        });
        respond(
            StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            kind,
            body,
        )
    }

    /// `POST /api/<method>` with a JSON body: the OpenSRS Email API.
    pub(super) async fn email_api(&self, req: Request<Incoming>) -> Reply200 {
        let method = req.uri().path()["/api/".len()..].to_string();
        // Only what the journal keeps is formatted, and only when it keeps anything.
        let head = if self.journal_on() {
            journal_head(req.method(), req.uri(), req.version(), req.headers())
        } else {
            String::new()
        };
        let Some(body) = self.small_body(req).await else {
            return plain(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body too large or too slow\n",
            );
        };
        let state = self.state.clone();
        let peer = self.peer.ip();
        let kept_body = body.clone();
        let action = method.to_ascii_uppercase();
        let reply = tokio::task::spawn_blocking(move || {
            crate::hosted_mail::api::handle(&state, &method, &body, peer)
        })
        .await
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "email API panicked");
            crate::hosted_mail::api::ApiReply {
                status: 500,
                body: serde_json::json!({"success": false, "error": "Internal error", "error_number": crate::hosted_mail::api::errors::INTERNAL}),
                caller: None,
                counted: None,
            }
        });
        let text = reply.body.to_string();
        let ok = reply.body["success"].as_bool().unwrap_or(false);
        // The account whose window the entry counts against: the administrator
        // whose credentials passed, else nobody's (and nothing of the body kept).
        let (tenant, user, request_kind) = match &reply.caller {
            Some(admin) => (
                crate::journal::tenant_of("email", admin),
                admin.clone(),
                crate::journal::Body::Json,
            ),
            None => (
                crate::journal::ANONYMOUS.to_string(),
                serde_json::from_slice::<serde_json::Value>(&kept_body)
                    .ok()
                    .and_then(|v| v["credentials"]["user"].as_str().map(str::to_string))
                    .unwrap_or_default(),
                crate::journal::Body::Withheld,
            ),
        };
        self.journal(Journaled {
            reseller_id: None,
            tenant,
            coverage: reply.counted.map(|(_, method)| method),
            mail_company: reply.counted.map(|(company, _)| {
                let outcome = if ok {
                    200
                } else {
                    reply.body["error_number"].as_i64().unwrap_or(0)
                };
                (company, outcome)
            }),
            username: user,
            surface: "email",
            action,
            code: reply.status,
            success: ok,
            head,
            request: kept_body.clone(),
            request_kind,
            reply: Bytes::from(text.clone()),
            reply_kind: crate::journal::Body::Json,
            explanation: (!ok).then(|| {
                serde_json::json!({
                    "field": "-",
                    "rule": reply.body["error"].as_str().unwrap_or("refused"),
                    "accepted": "see docs/pushes.md (the Email JSON API)",
                })
            }),
            fault: None,
        });
        respond(
            StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK),
            "application/json",
            text,
        )
    }
}
