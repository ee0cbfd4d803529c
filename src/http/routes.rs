//! Routes: `POST` on any target is the OPS API; `GET /healthz` is readiness. Every OPS
//! outcome, failures included, is HTTP 200 with an exact Content-Length.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use crate::api::{self, ApiError, OpsRequest, Reply};
use crate::app::AppState;
use crate::ops::{LimitKind, OpsError, OpsErrorKind};

type Reply200 = Response<Full<Bytes>>;

/// Bodies up to this size are handled on the async worker itself (see `ops`).
const INLINE_BODY_MAX: usize = 16 * 1024;

/// The per-connection service hyper calls for each request.
#[derive(Debug, Clone)]
pub struct Service {
    state: AppState,
    peer: SocketAddr,
    /// The connection's first request was HTTP/1.0: answer and close.
    http10: bool,
}

impl Service {
    pub fn new(state: AppState, peer: SocketAddr, http10: bool) -> Self {
        Service {
            state,
            peer,
            http10,
        }
    }

    async fn route(self, req: Request<Incoming>) -> Reply200 {
        let mut resp = match (req.method(), req.uri().path()) {
            (&Method::GET | &Method::HEAD, "/healthz") => plain(StatusCode::OK, "ok\n"),
            (&Method::POST, _) => self.ops(req).await,
            _ => {
                let mut r = plain(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "opsd: the OPS API takes POST\n",
                );
                r.headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static("POST"));
                r
            }
        };
        if self.http10 {
            resp.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        resp
    }

    async fn ops(&self, req: Request<Incoming>) -> Reply200 {
        let started = Instant::now();
        let limit = self.state.config.limits.max_bytes;
        let too_large = || {
            let e = ApiError::Decode(OpsError {
                kind: OpsErrorKind::Limit(LimitKind::Bytes(limit)),
                pos: limit as u64,
            });
            // The rest of the body is not read: close rather than resync the stream.
            let mut r = xml(Reply::error(&e).to_bytes());
            r.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            r
        };
        if declared_length(req.headers()).is_some_and(|n| n > limit as u64) {
            return too_large();
        }
        let (parts, body) = req.into_parts();
        let body = match Limited::new(body, limit).collect().await {
            Ok(b) => b.to_bytes(),
            Err(e) if e.is::<LengthLimitError>() => return too_large(),
            Err(e) => {
                tracing::debug!(peer = %self.peer, error = %e, "request body not received");
                let e = ApiError::Decode(OpsError {
                    kind: OpsErrorKind::Syntax("request body ended early".into()),
                    pos: 0,
                });
                return xml(Reply::error(&e).to_bytes());
            }
        };
        let body_len = body.len();
        let username = header_str(&parts.headers, "x-username");
        let signature = header_str(&parts.headers, "x-signature");
        let state = self.state.clone();
        let peer = self.peer.ip();
        let user_for_log = username.clone();
        let run = move || {
            api::handle(
                &state,
                &OpsRequest {
                    username: username.as_deref(),
                    signature: signature.as_deref(),
                    peer,
                    body: &body,
                },
            )
        };
        // Decoding, md5 and SQLite block. A small request costs ~40 µs of work, less
        // than the two thread hand-offs of spawn_blocking, so it runs in place
        // (measured, status of a 10-domain job, one keep-alive client: 3.1k req/s via
        // spawn_blocking, 4.4k inline; at 64 clients 14.4k vs 11.9k, within this
        // machine's noise). A large one (a long domain list) goes to the blocking pool.
        let outcome = if body_len <= INLINE_BODY_MAX {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(run))
                .map_err(|_| "handler panicked".to_string())
        } else {
            tokio::task::spawn_blocking(run)
                .await
                .map_err(|e| e.to_string())
        };
        match outcome {
            Ok(o) => {
                tracing::info!(
                    peer = %self.peer,
                    user = user_for_log.as_deref().unwrap_or("-"),
                    action = o.action,
                    code = o.code,
                    micros = started.elapsed().as_micros() as u64,
                    "ops request"
                );
                xml(o.body)
            }
            Err(e) => {
                tracing::error!(peer = %self.peer, error = %e, "ops handler panicked");
                xml(Reply::error(&ApiError::Internal(e)).to_bytes())
            }
        }
    }
}

impl hyper::service::Service<Request<Incoming>> for Service {
    type Response = Reply200;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Reply200, Infallible>> + Send>>;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        let this = self.clone();
        Box::pin(async move { Ok(this.route(req).await) })
    }
}

fn declared_length(h: &HeaderMap) -> Option<u64> {
    h.get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn header_str(h: &HeaderMap, name: &str) -> Option<String> {
    h.get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_string())
}

fn xml(body: Vec<u8>) -> Reply200 {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    r
}

fn plain(status: StatusCode, text: &'static str) -> Reply200 {
    let mut r = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}
