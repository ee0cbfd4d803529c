//! The route list: one `match` on method and path, each arm handing the request to
//! its area's handler — `POST` on any target is the OPS API (`ops`: every outcome,
//! failures included, HTTP 200 with an exact Content-Length); beside it `GET
//! /healthz`, `GET /metrics` (`metrics`), the approval and transfer-away pages and
//! the logged-in page areas (`pages`), `POST /srv/push_domain` (`srv`), the Email
//! API (`email`) and the sandbox's `/admin/` routes (`admin`). Also here: the
//! per-connection service and the small reply helpers the handlers share.
//! Everything that touches the store runs on the blocking pool.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use crate::app::AppState;
use crate::pages::{self, Form, Page, PageRequest, approval, dashboard, mac, panel};

pub(super) type Reply200 = Response<Full<Bytes>>;

/// Answers a request to one page area (`panel::handle`, `mac::handle`).
pub(super) type AreaHandler = fn(&crate::app::App, &PageRequest) -> Page;

/// The per-connection service hyper calls for each request.
#[derive(Debug, Clone)]
pub struct Service {
    pub(super) state: AppState,
    /// The OPS API and its caches (`state` is its app).
    pub(super) api: Arc<crate::api::Api>,
    pub(super) admission: Arc<super::Admission>,
    pub(super) peer: SocketAddr,
    /// The connection's first request was HTTP/1.0: answer and close.
    pub(super) http10: bool,
    /// The connection came over TLS.
    pub(super) secure: bool,
    /// The connection's activity, for the idle timeout.
    pub(super) activity: super::activity::Tracker,
}

impl Service {
    pub fn new(
        api: Arc<crate::api::Api>,
        admission: Arc<super::Admission>,
        peer: SocketAddr,
        http10: bool,
        secure: bool,
        activity: super::activity::Tracker,
    ) -> Self {
        Service {
            state: api.app.clone(),
            api,
            admission,
            peer,
            http10,
            secure,
            activity,
        }
    }

    /// `GET /readyz`: 200 when the database answers and its schema is this
    /// build's (a balancer sends traffic only then); 503 otherwise. `/healthz`
    /// says only that the process serves.
    async fn readyz(&self) -> Reply200 {
        let state = self.state.clone();
        let ready = tokio::task::spawn_blocking(move || state.store.schema_current()).await;
        match ready {
            Ok(Ok(true)) => plain(StatusCode::OK, "ready\n"),
            Ok(Ok(false)) => plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "not ready: the database's schema is another version's\n",
            ),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "readyz: the database does not answer");
                plain(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "not ready: the database does not answer\n",
                )
            }
            Err(_) => plain(StatusCode::SERVICE_UNAVAILABLE, "not ready\n"),
        }
    }

    async fn route(mut self, req: Request<Incoming>) -> Reply200 {
        // Behind a trusted proxy, the client is the one X-Forwarded-For names.
        let proxies = &self.state.config.trusted_proxies;
        if super::proxy::trusted(proxies, self.peer.ip())
            && let Some(client) = super::proxy::forwarded_for(req.headers(), proxies)
        {
            self.peer = SocketAddr::new(client, 0);
        }
        let path = req.uri().path().to_string();
        let form_post = req.method() == Method::POST && is_form(req.headers());
        // The Email API's JSON, or a POST under /api/ that names no type and
        // carries no OPS signature (some clients send none).
        let json_post = req.method() == Method::POST
            && (is_json(req.headers())
                || (path.starts_with("/api/")
                    && !req.headers().contains_key(header::CONTENT_TYPE)
                    && !req.headers().contains_key("x-signature")));
        let area = area_of(&path);
        if self.state.config.production
            && crate::sandbox::sandbox_only(req.method() == Method::POST, &path)
        {
            return plain(
                StatusCode::NOT_FOUND,
                "opsd: the sandbox's tools are off in production mode\n",
            );
        }
        let mut resp = match (req.method(), path.as_str()) {
            (&Method::GET | &Method::HEAD, "/healthz") => plain(StatusCode::OK, "ok\n"),
            (&Method::GET | &Method::HEAD, "/readyz") => self.readyz().await,
            (&Method::GET | &Method::HEAD, "/metrics") => match self.metrics_refusal(&req) {
                None => self.metrics().await,
                Some(r) => r,
            },
            (&Method::GET | &Method::HEAD, p) if p.starts_with("/approve/") => {
                let token = p["/approve/".len()..].to_string();
                self.page(move |app| approval::show(app, &token)).await
            }
            (&Method::GET | &Method::HEAD, p) if p.starts_with("/transfer-away/") => {
                let token = p["/transfer-away/".len()..].to_string();
                self.page(move |app| pages::away::show(app, &token)).await
            }
            (&Method::GET | &Method::HEAD, p) if p.starts_with("/password/") => {
                let token = p["/password/".len()..].to_string();
                self.page(move |app| pages::password::show(app, &token))
                    .await
            }
            (&Method::GET | &Method::HEAD, p) if p.starts_with("/claims/") => {
                let token = p["/claims/".len()..].to_string();
                self.page(move |app| pages::claims::show(app, &token)).await
            }
            (&Method::GET | &Method::HEAD, p) if p.starts_with("/verify/") => {
                let token = p["/verify/".len()..].to_string();
                self.page(move |app| pages::verification::show(app, &token))
                    .await
            }
            (&Method::GET | &Method::HEAD, "/transfers") => {
                let q = Form::parse(req.uri().query().unwrap_or("").as_bytes());
                self.page(move |app| approval::transfers_get(app, &q)).await
            }
            // The logged-in page areas take GETs and form POSTs under their path.
            (&Method::GET | &Method::HEAD | &Method::POST, _)
                if let Some(handler) = area
                    && (form_post || req.method() != Method::POST) =>
            {
                self.area(req, handler).await
            }
            // Form posts to the page routes are pages; any other POST, on any target,
            // is the OPS API.
            (&Method::POST, p) if form_post && p.starts_with("/approve/") => {
                let token = p["/approve/".len()..].to_string();
                match self.form_body(req).await {
                    Some(f) => {
                        self.page(move |app| approval::answer(app, &token, &f))
                            .await
                    }
                    None => plain(StatusCode::PAYLOAD_TOO_LARGE, "form too large\n"),
                }
            }
            (&Method::POST, p) if form_post && p.starts_with("/transfer-away/") => {
                let token = p["/transfer-away/".len()..].to_string();
                match self.form_body(req).await {
                    Some(f) => {
                        self.page(move |app| pages::away::answer(app, &token, &f))
                            .await
                    }
                    None => plain(StatusCode::PAYLOAD_TOO_LARGE, "form too large\n"),
                }
            }
            (&Method::POST, p) if form_post && p.starts_with("/password/") => {
                let token = p["/password/".len()..].to_string();
                let peer = self.peer.ip();
                match self.form_body(req).await {
                    Some(f) => {
                        self.page(move |app| pages::password::answer(app, &token, &f, peer))
                            .await
                    }
                    None => plain(StatusCode::PAYLOAD_TOO_LARGE, "form too large\n"),
                }
            }
            (&Method::POST, p) if form_post && p.starts_with("/claims/") => {
                let token = p["/claims/".len()..].to_string();
                match self.form_body(req).await {
                    Some(f) => {
                        self.page(move |app| pages::claims::answer(app, &token, &f))
                            .await
                    }
                    None => plain(StatusCode::PAYLOAD_TOO_LARGE, "form too large\n"),
                }
            }
            (&Method::POST, p) if form_post && p.starts_with("/verify/") => {
                let token = p["/verify/".len()..].to_string();
                match self.form_body(req).await {
                    Some(f) => {
                        self.page(move |app| pages::verification::answer(app, &token, &f))
                            .await
                    }
                    None => plain(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "form too large
",
                    ),
                }
            }
            (&Method::POST, "/transfers") if form_post => match self.form_body(req).await {
                Some(f) => {
                    self.page(move |app| approval::transfers_post(app, &f))
                        .await
                }
                None => plain(StatusCode::PAYLOAD_TOO_LARGE, "form too large\n"),
            },
            (&Method::POST, "/srv/push_domain") if form_post => self.srv_push_domain(req).await,
            (&Method::POST, p) if json_post && p.starts_with("/api/") => self.email_api(req).await,
            (&Method::GET, "/api/oma_file/get") => self.email_file(req).await,
            (&Method::POST, "/admin/clock/advance") if has_bearer(&req) => {
                self.advance_clock(req).await
            }
            (&Method::GET | &Method::POST, p) if p.starts_with("/admin/") && has_bearer(&req) => {
                self.operator(req).await
            }
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
        if self.secure && self.state.config.production {
            // Browsers that reached a production opsd over HTTPS keep to it.
            resp.headers_mut().insert(
                header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static("max-age=31536000"),
            );
        }
        resp
    }
}

/// Marks a response that must not be sent: an injected fault closes the
/// connection instead (hyper drops a connection whose service fails).
#[derive(Debug, Clone, Copy)]
pub struct CloseWithoutReply;

impl std::fmt::Display for CloseWithoutReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection closed by an injected fault")
    }
}

impl std::error::Error for CloseWithoutReply {}

impl hyper::service::Service<Request<Incoming>> for Service {
    type Response = Reply200;
    type Error = CloseWithoutReply;
    type Future = Pin<Box<dyn Future<Output = Result<Reply200, CloseWithoutReply>> + Send>>;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        let this = self.clone();
        let in_flight = self.activity.request();
        Box::pin(async move {
            let reply = this.route(req).await;
            drop(in_flight);
            if reply.extensions().get::<CloseWithoutReply>().is_some() {
                return Err(CloseWithoutReply);
            }
            Ok(reply)
        })
    }
}

/// The handler of the logged-in page area `path` lies in, if any.
pub(super) fn area_of(path: &str) -> Option<AreaHandler> {
    [
        (panel::REALM.base, panel::handle as AreaHandler),
        (mac::REALM.base, mac::handle),
        (dashboard::REALM.base, dashboard::handle),
    ]
    .into_iter()
    .find(|(base, _)| under(path, base))
    .map(|(_, handler)| handler)
}

/// `path` is `base` or below it.
pub(super) fn under(path: &str, base: &str) -> bool {
    path.strip_prefix(base)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

pub(super) fn is_json(h: &HeaderMap) -> bool {
    h.get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            let v = v.trim_start().to_ascii_lowercase();
            v.starts_with("application/json") || v.starts_with("text/json")
        })
}

pub(super) fn is_form(h: &HeaderMap) -> bool {
    h.get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .starts_with("application/x-www-form-urlencoded")
        })
}

/// Admin calls carry `Authorization: Bearer <admin token>`; requests without one are
/// not admin calls at all (a POST to the same path is then an OPS request).
pub(super) fn has_bearer(req: &Request<Incoming>) -> bool {
    bearer(req.headers()).is_some()
}

pub(super) fn bearer(h: &HeaderMap) -> Option<String> {
    let v = h.get(header::AUTHORIZATION)?.to_str().ok()?;
    v.strip_prefix("Bearer ").map(|t| t.trim().to_string())
}

/// Content type of the plain-text replies.
pub(super) const TEXT: &str = "text/plain; charset=utf-8";

/// A reply: status, content type and body.
pub(super) fn respond(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Reply200 {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

pub(super) fn xml(body: Vec<u8>) -> Reply200 {
    respond(StatusCode::OK, "text/xml", body)
}

pub(super) fn plain(status: StatusCode, text: &'static str) -> Reply200 {
    respond(status, TEXT, Bytes::from_static(text.as_bytes()))
}
