//! `POST` on any other target: the OPS API, in named steps — refuse what carries
//! no credentials, find the caller, read the body against the budget while its
//! signature is computed, check it, answer (from memory, or on the blocking pool
//! in the reseller's turn), then log, count and journal.

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::Request;
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderValue};
use std::sync::Arc;
use std::time::Instant;

use crate::api::{ApiError, Reply};
use crate::auth;
use crate::ops::{LimitKind, OpsError, OpsErrorKind};
use crate::store::Reseller;

use super::admission;
use super::journaled::*;
use super::routes::*;

/// Longest a body waits for room in the shared budget before "Server busy".
pub(super) const BUDGET_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Request ids for the log, unique within the process.
pub(super) static NEXT_REQUEST_ID: std::sync::atomic::AtomicU64 =
    std::sync::atomic::AtomicU64::new(1);

/// A request body read while its signature is computed.
pub(super) struct SignedBody {
    /// The body, kept only for a caller that exists.
    bytes: Bytes,
    check: auth::SignatureCheck,
}

pub(super) enum BodyError {
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
pub(super) async fn read_signed(
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
/// The reply to an outcome: its bytes, or none at all when a fault closes the
/// connection.
fn reply_of(o: crate::api::Outcome) -> Reply200 {
    if o.close {
        let mut r = xml(Vec::new());
        r.extensions_mut().insert(CloseWithoutReply);
        return r;
    }
    xml(o.body)
}

/// A body past `limit` bytes.
fn too_large(limit: usize) -> ApiError {
    ApiError::Decode(OpsError {
        kind: OpsErrorKind::Limit(LimitKind::Bytes(limit)),
        pos: limit as u64,
    })
}

/// A body that could not be read whole.
fn syntax(what: &str) -> ApiError {
    ApiError::Decode(OpsError {
        kind: OpsErrorKind::Syntax(what.into()),
        pos: 0,
    })
}

pub(super) fn ops_closing(e: &ApiError) -> Reply200 {
    let mut r = xml(Reply::error(e).to_bytes());
    r.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    r
}

pub(super) fn declared_length(h: &HeaderMap) -> Option<u64> {
    h.get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

pub(super) fn header_str(h: &HeaderMap, name: &str) -> Option<String> {
    h.get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_string())
}

impl Service {
    /// The OPS API, step by step; every step that refuses answers the request.
    pub(super) async fn ops(&self, req: Request<Incoming>) -> Reply200 {
        let started = Instant::now();
        // Ties the request's log lines together (the handler's own errors included).
        let request_id = NEXT_REQUEST_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let span = tracing::info_span!("ops", request_id);
        if let Some(refused) = self.refuse_oversized(req.headers()) {
            return refused;
        }
        let (parts, body) = req.into_parts();
        let (user, signature) = match self.credentials(&parts) {
            Ok(c) => c,
            Err(refused) => return *refused,
        };
        // Who is calling is known from the headers, before the body: a stranger's
        // body only runs through the signature's MD5 (the same work a known caller's
        // gets, so timing does not tell which names exist) and is never kept.
        let found = match self.caller(&user).await {
            Ok(f) => f,
            Err(e) => return xml(Reply::error(&e).to_bytes()),
        };
        let (body, held) = match self.receive(&parts.headers, body, found.is_some()).await {
            Ok(b) => b,
            Err(refused) => return *refused,
        };
        let SignedBody { bytes, check } = body;
        let checked = self.verify(found, check, &signature);
        let authenticated = checked.is_ok();
        let kept_body = bytes.clone();
        let outcome = self.answer(checked, bytes, span).await;
        drop(held);
        match outcome {
            Ok(o) => {
                self.count_and_log(request_id, &user, &o, started);
                if self.journal_on() {
                    self.journal_ops(&parts, user, &o, authenticated, kept_body);
                }
                reply_of(o)
            }
            Err(e) => {
                tracing::error!(peer = %self.peer, error = %e, "ops handler panicked");
                xml(Reply::error(&ApiError::Internal(e)).to_bytes())
            }
        }
    }

    /// A body declared larger than the limit is refused before a byte of it is read.
    fn refuse_oversized(&self, headers: &HeaderMap) -> Option<Reply200> {
        let limit = self.state.config.limits.max_bytes;
        declared_length(headers)
            .is_some_and(|n| n > limit as u64)
            .then(|| ops_closing(&too_large(limit)))
    }

    /// The caller's name and signature from the headers; without both there is
    /// nothing to check a body against, and it is not read at all.
    fn credentials(
        &self,
        parts: &hyper::http::request::Parts,
    ) -> Result<(String, String), Box<Reply200>> {
        let username = header_str(&parts.headers, "x-username");
        let signature = header_str(&parts.headers, "x-signature");
        match (username, signature) {
            (Some(user), Some(sig)) => Ok((user, sig)),
            (username, _) => {
                if self.journal_on() {
                    let head =
                        journal_head(&parts.method, &parts.uri, parts.version, &parts.headers);
                    self.journal_refusal(
                        &head,
                        username.unwrap_or_default(),
                        &ApiError::AuthFailed,
                    );
                }
                Err(Box::new(ops_closing(&ApiError::AuthFailed)))
            }
        }
    }

    /// Reads the body while its signature is computed. A known caller's body is
    /// kept as it arrives, its bytes out of the budget every request shares (what
    /// is held is returned with it); a stranger's is hashed and dropped.
    async fn receive(
        &self,
        headers: &HeaderMap,
        body: Incoming,
        known: bool,
    ) -> Result<(SignedBody, admission::Held), Box<Reply200>> {
        let limit = self.state.config.limits.max_bytes;
        let mut held = admission::BodyBudget::none();
        if known && let Some(declared) = declared_length(headers) {
            let wait = self.state.config.body_timeout.min(BUDGET_WAIT);
            match self
                .admission
                .bodies
                .reserve(usize::try_from(declared).unwrap_or(usize::MAX), wait)
                .await
            {
                Some(h) => held = h,
                None => return Err(Box::new(ops_closing(&ApiError::Busy))),
            }
        }
        let keep = known.then_some((&self.admission.bodies, &mut held));
        match read_signed(body, keep, limit, self.state.config.body_timeout).await {
            Ok(b) => Ok((b, held)),
            Err(BodyError::OverBudget) => Err(Box::new(ops_closing(&ApiError::Busy))),
            Err(BodyError::TooLarge) => Err(Box::new(ops_closing(&too_large(limit)))),
            Err(BodyError::Slow) => {
                tracing::debug!(peer = %self.peer, "request body not received in time");
                Err(Box::new(ops_closing(&syntax(
                    "request body not received in time",
                ))))
            }
            Err(BodyError::Broken(e)) => {
                tracing::debug!(peer = %self.peer, error = %e, "request body not received");
                Err(Box::new(xml(Reply::error(&syntax(
                    "request body ended early",
                ))
                .to_bytes())))
            }
        }
    }

    /// The signature checked (a stranger's against nothing, in the same time) and
    /// the caller's rules applied: the reseller, or why not.
    fn verify(
        &self,
        found: Option<Arc<Reseller>>,
        check: auth::SignatureCheck,
        signature: &str,
    ) -> Result<Arc<Reseller>, ApiError> {
        let signature_ok = match &found {
            Some(r) => check.matches(&r.private_key, signature),
            None => {
                let _ = check.matches("", signature);
                false
            }
        };
        self.api.authenticate(found, signature_ok, self.peer.ip())
    }

    /// The outcome: a poll answered from memory blocks nothing and stays on this
    /// thread; any request that needs the store goes to the blocking pool in the
    /// reseller's turn, so that a store waiting on a lock never holds up the async
    /// threads (and /healthz with them). An injected latency is then a timer: it
    /// holds no thread and no turn.
    async fn answer(
        &self,
        checked: Result<Arc<Reseller>, ApiError>,
        bytes: Bytes,
        span: tracing::Span,
    ) -> Result<crate::api::Outcome, String> {
        let fast = match &checked {
            Ok(r) => self.api.answer_from_memory(r, &bytes),
            Err(_) => None,
        };
        let outcome = match fast {
            Some(o) => Ok(o),
            None => {
                let turn = match &checked {
                    Ok(r) => self.admission.tenants.enter(r.id).await,
                    Err(_) => None,
                };
                let ops = self.api.clone();
                let peer = self.peer.ip();
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
        if let Ok(o) = &outcome
            && let Some(d) = o.delay
        {
            tokio::time::sleep(d).await;
        }
        outcome
    }

    /// The request counted in the metrics and logged.
    fn count_and_log(
        &self,
        request_id: u64,
        user: &str,
        o: &crate::api::Outcome,
        started: Instant,
    ) {
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
    }

    /// The request in the journal: a poll repeated byte for byte and answered the
    /// same is one more repeat of the entry before, nothing formatted; a body is
    /// kept only for a caller that passed authentication.
    fn journal_ops(
        &self,
        parts: &hyper::http::request::Parts,
        user: String,
        o: &crate::api::Outcome,
        authenticated: bool,
        body: Bytes,
    ) {
        let tenant = match o.reseller_id.filter(|_| authenticated) {
            Some(id) => crate::journal::tenant_of_reseller(id),
            None => crate::journal::ANONYMOUS.to_string(),
        };
        let key = crate::journal::Key {
            tenant: &tenant,
            action: &o.action_text,
            code: i64::from(o.code),
            request: if authenticated { &body } else { b"" },
            reply: &o.body,
        };
        if o.fault.is_none() && self.state.journal.repeat(&key) {
            return;
        }
        // Coverage keys on the actions opsd knows: a name the caller made up is
        // counted as unknown, not kept as a key.
        let coverage = (authenticated && o.fault.is_none()).then_some(if o.action == "-" {
            crate::journal::UNKNOWN_ACTION
        } else {
            o.action
        });
        let (request, request_kind) = if authenticated {
            (body, crate::journal::Body::OpsRequest)
        } else {
            (Bytes::new(), crate::journal::Body::Withheld)
        };
        self.journal(Journaled {
            reseller_id: o.reseller_id,
            tenant,
            coverage,
            mail_company: None,
            username: user,
            surface: "ops",
            action: o.action_text.clone(),
            code: o.code,
            success: o.success,
            head: journal_head(&parts.method, &parts.uri, parts.version, &parts.headers),
            request,
            request_kind,
            reply: Bytes::copy_from_slice(&o.body),
            reply_kind: crate::journal::Body::OpsReply,
            explanation: o.explanation.clone(),
            fault: o.fault.clone(),
        });
    }

    /// The reseller named `user`: from the credential cache when it is fresh, else
    /// from the store on the blocking pool.
    pub(super) async fn caller(&self, user: &str) -> Result<Option<Arc<Reseller>>, ApiError> {
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
