//! Routes, one `match` on method and path: `POST` on any target is the OPS API (every
//! outcome, failures included, HTTP 200 with an exact Content-Length); beside it
//! `GET /healthz`, `GET /metrics`, the approval page (`/approve/…`, `/transfers`),
//! the logged-in page areas (`/panel`, `/mac`, `/dashboard`), `POST /srv/push_domain`,
//! the Email API (`POST /api/<method>` with JSON) and `POST /admin/clock/advance`.
//! Everything that touches the store runs on the blocking pool.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use crate::api::{ApiError, Reply};
use crate::app::AppState;
use crate::auth;
use crate::ops::{LimitKind, OpsError, OpsErrorKind};
use crate::pages::{self, Form, Page, PageRequest, approval, dashboard, mac, panel};
use crate::store::Reseller;

use super::admission;

type Reply200 = Response<Full<Bytes>>;

/// Answers a request to one page area (`panel::handle`, `mac::handle`).
type AreaHandler = fn(&crate::app::App, &PageRequest) -> Page;

/// Largest form body the pages accept.
const FORM_MAX: usize = 64 * 1024;
/// Longest a body waits for room in the shared budget before "Server busy".
const BUDGET_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
/// The largest operator request: a reset's scenario file.
const OPERATOR_BODY_MAX: usize = 1024 * 1024;

/// Request ids for the log, unique within the process.
static NEXT_REQUEST_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// The per-connection service hyper calls for each request.
#[derive(Debug, Clone)]
pub struct Service {
    state: AppState,
    /// The OPS API and its caches (`state` is its app).
    api: Arc<crate::api::Api>,
    admission: Arc<super::Admission>,
    peer: SocketAddr,
    /// The connection's first request was HTTP/1.0: answer and close.
    http10: bool,
    /// The connection came over TLS.
    secure: bool,
    /// The connection's activity, for the idle timeout.
    activity: super::activity::Tracker,
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

    async fn route(self, req: Request<Incoming>) -> Reply200 {
        let path = req.uri().path().to_string();
        let form_post = req.method() == Method::POST && is_form(req.headers());
        let json_post = req.method() == Method::POST && is_json(req.headers());
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
            (&Method::POST, "/transfers") if form_post => match self.form_body(req).await {
                Some(f) => {
                    self.page(move |app| approval::transfers_post(app, &f))
                        .await
                }
                None => plain(StatusCode::PAYLOAD_TOO_LARGE, "form too large\n"),
            },
            (&Method::POST, "/srv/push_domain") if form_post => self.srv_push_domain(req).await,
            (&Method::POST, p) if json_post && p.starts_with("/api/") => self.email_api(req).await,
            (&Method::POST, "/admin/transfers-away") if has_bearer(&req) => {
                self.transfer_away(req).await
            }
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

    /// `/metrics` takes the metrics token as a bearer when one is set; production
    /// without one does not serve it at all. The sandbox serves it openly.
    fn metrics_refusal(&self, req: &Request<Incoming>) -> Option<Reply200> {
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

    /// Runs a page handler off the async workers (it reads SQLite) and wraps the HTML.
    async fn page(&self, f: impl FnOnce(&crate::app::App) -> Page + Send + 'static) -> Reply200 {
        let state = self.state.clone();
        let page = tokio::task::spawn_blocking(move || f(&state))
            .await
            .unwrap_or_else(|_| pages::message(500, "Error", "Something went wrong on our side."));
        let mut r = respond(
            StatusCode::from_u16(page.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "text/html; charset=utf-8",
            page.html,
        );
        for (name, value) in page.headers {
            match HeaderValue::from_str(&value) {
                Ok(v) => {
                    r.headers_mut().append(name, v);
                }
                Err(_) => tracing::error!(header = name, "page produced an invalid header value"),
            }
        }
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        r.headers_mut()
            .insert("X-Frame-Options", HeaderValue::from_static("DENY"));
        r
    }

    /// A body of at most `FORM_MAX` bytes, or `None` when it is larger or does not
    /// arrive within the body timeout.
    async fn small_body(&self, req: Request<Incoming>) -> Option<Bytes> {
        let collected = tokio::time::timeout(
            self.state.config.body_timeout,
            Limited::new(req.into_body(), FORM_MAX).collect(),
        )
        .await
        .ok()?
        .ok()?;
        Some(collected.to_bytes())
    }

    /// A form body (see `small_body`).
    async fn form_body(&self, req: Request<Incoming>) -> Option<Form> {
        Some(Form::parse(&self.small_body(req).await?))
    }

    /// A page area with logins (the control panel): the request becomes a
    /// [`PageRequest`] with its cookies and form, and `handler` answers it.
    async fn area(&self, req: Request<Incoming>, handler: AreaHandler) -> Reply200 {
        let post = req.method() == Method::POST;
        let path = req.uri().path().to_string();
        let query = Form::parse(req.uri().query().unwrap_or("").as_bytes());
        let cookies = req
            .headers()
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| pages::cookies(v).into_iter())
            .collect();
        let form = if post {
            match self.form_body(req).await {
                Some(f) => f,
                None => return plain(StatusCode::PAYLOAD_TOO_LARGE, "form too large\n"),
            }
        } else {
            Form::default()
        };
        let preq = PageRequest {
            post,
            path,
            query,
            form,
            cookies,
            peer: self.peer.ip(),
            secure: self.secure,
        };
        self.page(move |app| handler(app, &preq)).await
    }

    /// `GET /metrics`: the Prometheus text exposition.
    async fn metrics(&self) -> Reply200 {
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

    /// `POST /api/<method>` with a JSON body: the OpenSRS Email API.
    async fn email_api(&self, req: Request<Incoming>) -> Reply200 {
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
                body: serde_json::json!({"success": false, "error": "Internal error", "error_number": 7}),
                caller: None,
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
            coverage: None,
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

    /// `POST /srv/push_domain`: the registry-style push, answered in plain text.
    async fn srv_push_domain(&self, req: Request<Incoming>) -> Reply200 {
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

    /// `POST /admin/clock/advance` with a duration (`7d`) as the body: moves the
    /// sandbox clock and runs every task that fell due before answering.
    /// Whether the request carries the admin token (checked off the async threads:
    /// it reads the store).
    async fn admin_allowed(&self, req: &Request<Incoming>) -> bool {
        let token = bearer(req.headers()).unwrap_or_default();
        let state = self.state.clone();
        tokio::task::spawn_blocking(move || admin_token_matches(&state, &token))
            .await
            .unwrap_or(false)
    }

    /// `POST /admin/transfers-away` with `domain=…&to=…` (what `opsd domain
    /// transfer-away` sends): another registrar asks for a portfolio domain.
    async fn transfer_away(&self, req: Request<Incoming>) -> Reply200 {
        if !self.admin_allowed(&req).await {
            return plain(StatusCode::UNAUTHORIZED, "admin token required\n");
        }
        let Some(body) = self.small_body(req).await else {
            return plain(StatusCode::PAYLOAD_TOO_LARGE, "too large or too slow\n");
        };
        let form = Form::parse(&body);
        let (Some(domain), Some(to)) = (
            form.get("domain").map(str::to_string),
            form.get("to").map(str::to_string),
        ) else {
            return plain(StatusCode::BAD_REQUEST, "give domain=… and to=…\n");
        };
        let state = self.state.clone();
        let started =
            tokio::task::spawn_blocking(move || crate::rules::away::start(&state, &domain, &to))
                .await;
        match started {
            Ok(Ok(Ok(id))) => respond(
                StatusCode::OK,
                TEXT,
                Bytes::from(format!("transfer away {id} started\n")),
            ),
            Ok(Ok(Err(crate::rules::away::AwayRefused::NotInAPortfolio))) => {
                plain(StatusCode::NOT_FOUND, "no reseller holds that domain\n")
            }
            Ok(Ok(Err(crate::rules::away::AwayRefused::AlreadyPending))) => plain(
                StatusCode::CONFLICT,
                "a transfer away of that domain is already waiting for its owner\n",
            ),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "transfer away failed");
                plain(StatusCode::INTERNAL_SERVER_ERROR, "failed\n")
            }
            Err(e) => {
                tracing::error!(error = %e, "transfer away panicked");
                plain(StatusCode::INTERNAL_SERVER_ERROR, "failed\n")
            }
        }
    }

    /// The sandbox operator API (`operator`): `/admin/<call>` with the
    /// admin token, a query or form, or a scenario as the body of a reset; JSON
    /// back.
    async fn operator(&self, req: Request<Incoming>) -> Reply200 {
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

    async fn advance_clock(&self, req: Request<Incoming>) -> Reply200 {
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

    async fn ops(&self, req: Request<Incoming>) -> Reply200 {
        let started = Instant::now();
        // Ties the request's log lines together (the handler's own errors included).
        let request_id = NEXT_REQUEST_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let span = tracing::info_span!("ops", request_id);
        let limit = self.state.config.limits.max_bytes;
        if declared_length(req.headers()).is_some_and(|n| n > limit as u64) {
            return ops_closing(&ApiError::Decode(OpsError {
                kind: OpsErrorKind::Limit(LimitKind::Bytes(limit)),
                pos: limit as u64,
            }));
        }
        let (parts, body) = req.into_parts();
        let username = header_str(&parts.headers, "x-username");
        let signature = header_str(&parts.headers, "x-signature");
        let (Some(user), Some(sig)) = (username.clone(), signature) else {
            // Nothing to check a body against: it is not read at all.
            if self.journal_on() {
                let head = journal_head(&parts.method, &parts.uri, parts.version, &parts.headers);
                self.journal_refusal(&head, username.unwrap_or_default(), &ApiError::AuthFailed);
            }
            return ops_closing(&ApiError::AuthFailed);
        };
        // Who is calling is known from the headers, before the body: a stranger's
        // body only runs through the signature's MD5 (the same work a known caller's
        // gets, so timing does not tell which names exist) and is never kept.
        let found = match self.caller(&user).await {
            Ok(f) => f,
            Err(e) => return xml(Reply::error(&e).to_bytes()),
        };
        // A known caller's body is kept while it arrives: its bytes come out of the
        // budget every request shares (a stranger's are hashed and dropped).
        let mut held = admission::BodyBudget::none();
        if found.is_some()
            && let Some(declared) = declared_length(&parts.headers)
        {
            let wait = self.state.config.body_timeout.min(BUDGET_WAIT);
            match self
                .admission
                .bodies
                .reserve(usize::try_from(declared).unwrap_or(usize::MAX), wait)
                .await
            {
                Some(h) => held = h,
                None => return ops_closing(&ApiError::Busy),
            }
        }
        let keep = found.as_ref().map(|_| (&self.admission.bodies, &mut held));
        let body = match read_signed(body, keep, limit, self.state.config.body_timeout).await {
            Ok(b) => b,
            Err(BodyError::OverBudget) => return ops_closing(&ApiError::Busy),
            Err(BodyError::TooLarge) => {
                return ops_closing(&ApiError::Decode(OpsError {
                    kind: OpsErrorKind::Limit(LimitKind::Bytes(limit)),
                    pos: limit as u64,
                }));
            }
            Err(BodyError::Slow) => {
                tracing::debug!(peer = %self.peer, "request body not received in time");
                return ops_closing(&ApiError::Decode(OpsError {
                    kind: OpsErrorKind::Syntax("request body not received in time".into()),
                    pos: 0,
                }));
            }
            Err(BodyError::Broken(e)) => {
                tracing::debug!(peer = %self.peer, error = %e, "request body not received");
                return xml(Reply::error(&ApiError::Decode(OpsError {
                    kind: OpsErrorKind::Syntax("request body ended early".into()),
                    pos: 0,
                }))
                .to_bytes());
            }
        };
        let signature_ok = match &found {
            Some(r) => body.check.matches(&r.private_key, &sig),
            None => {
                let _ = body.check.matches("", &sig);
                false
            }
        };
        let ops = self.api.clone();
        let peer = self.peer.ip();
        let checked = ops.authenticate(found, signature_ok, peer);
        // A poll answered from memory blocks nothing and stays on this thread; any
        // request that needs the store goes to the blocking pool, so that a store
        // waiting on a lock never holds up the async threads (and /healthz with them).
        let fast = match &checked {
            Ok(r) => ops.answer_from_memory(r, &body.bytes),
            Err(_) => None,
        };
        let authenticated = checked.is_ok();
        let kept_body = body.bytes.clone();
        let outcome = match fast {
            Some(o) => Ok(o),
            None => {
                // The reseller's turn: at most its share of the blocking pool.
                let turn = match &checked {
                    Ok(r) => self.admission.tenants.enter(r.id).await,
                    Err(_) => None,
                };
                let bytes = body.bytes;
                let done = tokio::task::spawn_blocking(move || {
                    let _in_span = span.enter();
                    ops.handle_authenticated(checked, peer, &bytes)
                })
                .await
                .map_err(|e| e.to_string());
                drop(turn);
                done
            }
        };
        // An injected latency is a timer: it holds no thread and no turn.
        if let Ok(o) = &outcome
            && let Some(d) = o.delay
        {
            tokio::time::sleep(d).await;
        }
        drop(held);
        match outcome {
            Ok(o) => {
                let took = started.elapsed();
                self.state
                    .metrics
                    .request(o.action, o.code, took.as_secs_f64());
                tracing::info!(
                    request_id,
                    peer = %self.peer,
                    user = %user,
                    action = o.action,
                    code = o.code,
                    micros = took.as_micros() as u64,
                    "ops request"
                );
                if self.journal_on() {
                    let tenant = match o.reseller_id.filter(|_| authenticated) {
                        Some(id) => crate::journal::tenant_of_reseller(id),
                        None => crate::journal::ANONYMOUS.to_string(),
                    };
                    let key = crate::journal::Key {
                        tenant: &tenant,
                        action: &o.action_text,
                        code: i64::from(o.code),
                        request: if authenticated { &kept_body } else { b"" },
                        reply: &o.body,
                    };
                    // A poll repeated byte for byte, answered the same: one more
                    // repeat of the entry before, nothing formatted.
                    if o.fault.is_some() || !self.state.journal.repeat(&key) {
                        // Coverage keys on the actions opsd knows: a name the
                        // caller made up is counted as unknown, not kept as a key.
                        let coverage =
                            (authenticated && o.fault.is_none()).then_some(if o.action == "-" {
                                crate::journal::UNKNOWN_ACTION
                            } else {
                                o.action
                            });
                        self.journal(Journaled {
                            reseller_id: o.reseller_id,
                            tenant,
                            coverage,
                            username: user,
                            surface: "ops",
                            action: o.action_text.clone(),
                            code: o.code,
                            success: o.success,
                            head: journal_head(
                                &parts.method,
                                &parts.uri,
                                parts.version,
                                &parts.headers,
                            ),
                            request: if authenticated {
                                kept_body.clone()
                            } else {
                                Bytes::new()
                            },
                            request_kind: if authenticated {
                                crate::journal::Body::OpsRequest
                            } else {
                                crate::journal::Body::Withheld
                            },
                            reply: Bytes::copy_from_slice(&o.body),
                            reply_kind: crate::journal::Body::OpsReply,
                            explanation: o.explanation.clone(),
                            fault: o.fault.clone(),
                        });
                    }
                }
                if o.close {
                    let mut r = xml(Vec::new());
                    r.extensions_mut().insert(CloseWithoutReply);
                    return r;
                }
                xml(o.body)
            }
            Err(e) => {
                tracing::error!(peer = %self.peer, error = %e, "ops handler panicked");
                xml(Reply::error(&ApiError::Internal(e)).to_bytes())
            }
        }
    }

    /// Whether requests are journaled here (the sandbox's, unless turned off;
    /// production keeps none). Checked before anything is formatted for it.
    fn journal_on(&self) -> bool {
        !self.state.config.production && self.state.config.journal
    }

    /// Keeps a request in the journal (see [`Service::journal_on`]).
    fn journal(&self, j: Journaled) {
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
    fn journal_refusal(&self, head: &str, user: String, e: &ApiError) {
        let reply = Reply::error(e).to_bytes();
        self.journal(Journaled {
            reseller_id: None,
            tenant: crate::journal::ANONYMOUS.to_string(),
            coverage: None,
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

    /// The reseller named `user`: from the credential cache when it is fresh, else
    /// from the store on the blocking pool.
    async fn caller(&self, user: &str) -> Result<Option<Arc<Reseller>>, ApiError> {
        let now = std::time::Instant::now();
        if let Some(found) = self
            .api
            .caches
            .credentials
            .peek(&self.state.store, user, now)
        {
            return Ok(Some(found));
        }
        let ops = self.api.clone();
        let user = user.to_string();
        tokio::task::spawn_blocking(move || {
            ops.caches.credentials.lookup(&ops.app.store, &user, now)
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(ApiError::from)
    }
}

/// One request for the journal, as a handler saw it (raw: the journal masks
/// and formats it when it writes).
struct Journaled {
    fault: Option<String>,
    reseller_id: Option<i64>,
    tenant: String,
    coverage: Option<&'static str>,
    username: String,
    surface: &'static str,
    action: String,
    code: u16,
    success: bool,
    head: String,
    request: Bytes,
    request_kind: crate::journal::Body,
    reply: Bytes,
    reply_kind: crate::journal::Body,
    explanation: Option<serde_json::Value>,
}

/// A request's line and headers as the journal keeps them (secrets masked).
fn journal_head(
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

/// A request body read while its signature is computed.
struct SignedBody {
    /// The body, kept only for a caller that exists.
    bytes: Bytes,
    check: auth::SignatureCheck,
}

enum BodyError {
    /// Past the bytes every request's bodies share (see `admission`).
    OverBudget,
    TooLarge,
    Slow,
    Broken(hyper::Error),
}

/// Reads a body of at most `limit` bytes within `timeout`, feeding the signature
/// check as it comes; `keep` (for a caller that exists) is the budget its bytes
/// are held against and what it holds so far — without it they are dropped piece
/// by piece. Kept pieces are joined once at the end into a buffer of the exact
/// size: what is held follows the bytes received, never the declared length, and
/// no buffer doubles as it grows.
async fn read_signed(
    mut body: Incoming,
    mut keep: Option<(&admission::BodyBudget, &mut admission::Held)>,
    limit: usize,
    timeout: std::time::Duration,
) -> Result<SignedBody, BodyError> {
    let read = async {
        let mut check = auth::SignatureCheck::default();
        let mut kept: Vec<Bytes> = Vec::new();
        let mut total = 0usize;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(BodyError::Broken)?;
            let Ok(data) = frame.into_data() else {
                continue;
            };
            total = total.saturating_add(data.len());
            if total > limit {
                return Err(BodyError::TooLarge);
            }
            check.update(&data);
            if let Some((budget, held)) = keep.as_mut() {
                // More than was declared (or nothing was): the rest is reserved
                // as it comes.
                if !budget.grow(held, total) {
                    return Err(BodyError::OverBudget);
                }
                kept.push(data);
            }
        }
        let bytes = match kept.len() {
            0 => Bytes::new(),
            1 => kept.swap_remove(0),
            _ => {
                let mut joined = bytes::BytesMut::with_capacity(total);
                for piece in &kept {
                    joined.extend_from_slice(piece);
                }
                joined.freeze()
            }
        };
        Ok(SignedBody { bytes, check })
    };
    tokio::time::timeout(timeout, read)
        .await
        .unwrap_or(Err(BodyError::Slow))
}

/// An OPS error reply after which the connection closes: the rest of the body is not
/// read, so the stream cannot be resynchronised.
fn ops_closing(e: &ApiError) -> Reply200 {
    let mut r = xml(Reply::error(e).to_bytes());
    r.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    r
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
fn area_of(path: &str) -> Option<AreaHandler> {
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
fn under(path: &str, base: &str) -> bool {
    path.strip_prefix(base)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

fn is_json(h: &HeaderMap) -> bool {
    h.get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            let v = v.trim_start().to_ascii_lowercase();
            v.starts_with("application/json") || v.starts_with("text/json")
        })
}

fn is_form(h: &HeaderMap) -> bool {
    h.get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .starts_with("application/x-www-form-urlencoded")
        })
}

/// Admin calls carry `Authorization: Bearer <admin token>`; requests without one are
/// not admin calls at all (a POST to the same path is then an OPS request).
fn has_bearer(req: &Request<Incoming>) -> bool {
    bearer(req.headers()).is_some()
}

fn bearer(h: &HeaderMap) -> Option<String> {
    let v = h.get(header::AUTHORIZATION)?.to_str().ok()?;
    v.strip_prefix("Bearer ").map(|t| t.trim().to_string())
}

/// Compares a bearer token with the stored admin token in constant time.
fn admin_token_matches(app: &crate::app::App, given: &str) -> bool {
    match app.store.setting(crate::store::ADMIN_TOKEN) {
        Ok(Some(t)) => auth::same_secret(given, &t),
        Ok(_) | Err(_) => false,
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

/// Content type of the plain-text replies.
const TEXT: &str = "text/plain; charset=utf-8";

/// A reply: status, content type and body.
fn respond(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Reply200 {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

fn xml(body: Vec<u8>) -> Reply200 {
    respond(StatusCode::OK, "text/xml", body)
}

fn plain(status: StatusCode, text: &'static str) -> Reply200 {
    respond(status, TEXT, Bytes::from_static(text.as_bytes()))
}
