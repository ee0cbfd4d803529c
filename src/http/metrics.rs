//! `GET /metrics`: the Prometheus text exposition, behind the metrics token.

use super::routes::*;
use crate::auth;
use hyper::body::Incoming;
use hyper::{Request, StatusCode};

impl Service {
    /// `/metrics` takes the metrics token as a bearer when one is set; production
    /// without one does not serve it at all. The sandbox serves it openly.
    pub(super) fn metrics_refusal(&self, req: &Request<Incoming>) -> Option<Reply200> {
        match &self.state.config.metrics_token {
            Some(token) => {
                let given = bearer(req.headers()).unwrap_or_default();
                (!auth::same_secret(&given, token))
                    .then(|| plain(StatusCode::UNAUTHORIZED, "metrics token required\n"))
            }
            None if self.state.config.production => Some(plain(
                StatusCode::NOT_FOUND,
                "metrics are off: set metrics_token to read them\n",
            )),
            None => None,
        }
    }

    /// `GET /metrics`: the Prometheus text exposition.
    pub(super) async fn metrics(&self) -> Reply200 {
        let state = self.state.clone();
        let text = tokio::task::spawn_blocking(move || {
            let depth = state.store.pending_task_count().unwrap_or(-1);
            let now = state.now();
            let lag = match state.store.next_due_at() {
                Ok(Some(due)) => now - due,
                Ok(None) | Err(_) => 0,
            };
            state.metrics.render(depth, lag)
        })
        .await
        .unwrap_or_default();
        respond(
            StatusCode::OK,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
            text,
        )
    }
}
