//! The sandbox's `/admin/` routes behind the admin token: the operator API
//! (`crate::operator`), transfers away and the clock.

use super::routes::*;
use crate::auth;
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::{Request, StatusCode};

/// The largest operator request: a reset's scenario file.
pub(super) const OPERATOR_BODY_MAX: usize = 1024 * 1024;

/// Compares a bearer token with the stored admin token in constant time.
pub(super) fn admin_token_matches(app: &crate::app::App, given: &str) -> bool {
    match app.store.setting(crate::store::ADMIN_TOKEN) {
        Ok(Some(t)) => auth::same_secret(given, &t),
        Ok(_) | Err(_) => false,
    }
}

impl Service {
    /// `POST /admin/clock/advance` with a duration (`7d`) as the body: moves the
    /// sandbox clock and runs every task that fell due before answering.
    /// Whether the request carries the admin token (checked off the async threads:
    /// it reads the store).
    pub(super) async fn admin_allowed(&self, req: &Request<Incoming>) -> bool {
        let token = bearer(req.headers()).unwrap_or_default();
        let state = self.state.clone();
        tokio::task::spawn_blocking(move || admin_token_matches(&state, &token))
            .await
            .unwrap_or(false)
    }

    /// The sandbox operator API (`operator`): `/admin/<call>` with the
    /// admin token, a query or form, or a scenario as the body of a reset; JSON
    /// back.
    pub(super) async fn operator(&self, req: Request<Incoming>) -> Reply200 {
        if !self.admin_allowed(&req).await {
            return plain(StatusCode::UNAUTHORIZED, "admin token required\n");
        }
        let method = req.method().as_str().to_string();
        let path = req.uri().path()["/admin/".len()..].to_string();
        let query: Vec<(String, String)> =
            form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        let collected = tokio::time::timeout(
            self.state.config.body_timeout,
            Limited::new(req.into_body(), OPERATOR_BODY_MAX).collect(),
        )
        .await;
        let Ok(Ok(body)) = collected else {
            return plain(StatusCode::PAYLOAD_TOO_LARGE, "too large or too slow\n");
        };
        let body = body.to_bytes();
        let state = self.state.clone();
        let answer = tokio::task::spawn_blocking(move || {
            crate::operator::handle(
                &state,
                &crate::operator::Request {
                    method: &method,
                    path: &path,
                    query: &query,
                    body: &body,
                },
            )
        })
        .await
        .unwrap_or_else(|_| crate::operator::Answer {
            status: 500,
            body: serde_json::json!({ "error": "the operator call failed" }),
            raw: None,
        });
        let status =
            StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        match answer.raw {
            Some(raw) => respond(status, TEXT, Bytes::from(raw)),
            None => respond(
                status,
                "application/json",
                Bytes::from(format!("{}\n", answer.body)),
            ),
        }
    }

    pub(super) async fn advance_clock(&self, req: Request<Incoming>) -> Reply200 {
        if !self.admin_allowed(&req).await {
            return plain(StatusCode::UNAUTHORIZED, "admin token required\n");
        }
        let Some(body) = self.small_body(req).await else {
            return plain(StatusCode::PAYLOAD_TOO_LARGE, "too large or too slow\n");
        };
        let text = String::from_utf8_lossy(&body).trim().to_string();
        let Some(by) = crate::clock::parse_duration(&text) else {
            return plain(
                StatusCode::BAD_REQUEST,
                "body must be a duration such as 7d, 36h or 90m\n",
            );
        };
        let state = self.state.clone();
        let result = tokio::task::spawn_blocking(move || crate::jobs::advance_clock(&state, by))
            .await
            .unwrap_or_else(|e| Err(crate::jobs::AdvanceError::Failed(e.to_string())));
        match result {
            Ok((now, ran)) => {
                let text = format!(
                    "now {}\nran {ran} tasks\n",
                    crate::clock::format_timestamp(now)
                );
                respond(StatusCode::OK, TEXT, text)
            }
            Err(crate::jobs::AdvanceError::Refused(e @ crate::clock::ClockError::NotMovable)) => {
                respond(StatusCode::CONFLICT, TEXT, format!("{e}\n"))
            }
            Err(crate::jobs::AdvanceError::Refused(e)) => {
                respond(StatusCode::BAD_REQUEST, TEXT, format!("{e}\n"))
            }
            Err(e @ crate::jobs::AdvanceError::Failed(_)) => {
                tracing::error!(error = %e, "clock advance failed");
                respond(StatusCode::INTERNAL_SERVER_ERROR, TEXT, format!("{e}\n"))
            }
        }
    }
}
