//! The API layer: a decoded envelope becomes a typed [`Action`], one handler per action
//! runs it, and the result becomes a [`Reply`].
//!
//! [`handle`] is the whole OPS request path after HTTP: authentication, decoding,
//! routing, the handler, and the writer.

pub mod actions;
pub mod codes;
pub mod credentials;
pub mod decoded;
pub mod error;
pub mod fields;
pub mod profile;
pub mod reply;
pub mod reply_cache;

pub use error::ApiError;
pub use reply::{Attributes, Layout, Reply};

use std::net::IpAddr;
use std::sync::Arc;

use crate::app::App;
use crate::auth;
use crate::ops::Envelope;
use crate::store::Reseller;

use actions::{
    BulkChangeCancel, BulkChangeGet, BulkChangeSubmit, EventAck, EventPoll, Rsp2RspPushTransfer,
    SimpleTransfer, SimpleTransferStatus,
};
use fields::Fields;

/// What a handler may use: the server's parts and the authenticated caller.
#[derive(Debug)]
pub struct Ctx<'a> {
    pub app: &'a App,
    pub reseller: &'a Reseller,
    pub peer: IpAddr,
}

/// One OPS request as HTTP delivered it.
#[derive(Debug)]
pub struct OpsRequest<'a> {
    pub username: Option<&'a str>,
    pub signature: Option<&'a str>,
    pub peer: IpAddr,
    pub body: &'a [u8],
}

/// What came of a request: the bytes to send, and facts for the log.
#[derive(Debug)]
pub struct Outcome {
    pub body: Vec<u8>,
    pub action: &'static str,
    pub code: u16,
}

/// Runs one OPS request from raw body to reply bytes, authentication included (the
/// in-process entry point; the HTTP server checks the signature while the body
/// arrives and calls [`handle_authenticated`]). Never panics on client input: every
/// failure becomes an OPS error reply.
pub fn handle(app: &App, req: &OpsRequest<'_>) -> Outcome {
    let checked = caller(app, req).and_then(|(found, sig)| {
        let signature_ok = match &found {
            Some(r) => auth::signature_matches(req.body, &r.private_key, sig),
            // Spend the same work as for a known user, so timing does not tell which
            // user names exist.
            None => {
                let _ = auth::signature_matches(req.body, "", sig);
                false
            }
        };
        authenticate(app, found, signature_ok, req.peer)
    });
    handle_authenticated(app, checked, req.peer, req.body)
}

/// Runs a request whose caller has been looked up and whose signature has been
/// checked (`checked` is the outcome of [`authenticate`]). The body is decoded only
/// for an authenticated caller.
pub fn handle_authenticated(
    app: &App,
    checked: Result<Arc<Reseller>, ApiError>,
    peer: IpAddr,
    body: &[u8],
) -> Outcome {
    let mut action_name = "-";
    let decoded = checked.and_then(|reseller| Ok((reseller, decode(app, body)?)));
    let reply = match decoded {
        Ok((reseller, (action, object))) => action
            .and_then(|action| {
                action_name = action.name();
                action.apply(&Ctx {
                    app,
                    reseller: &reseller,
                    peer,
                })
            })
            .unwrap_or_else(|e| failure(&e))
            .with_object(&object),
        Err(e) => failure(&e),
    };
    Outcome {
        body: reply.to_bytes(),
        action: action_name,
        code: reply.code,
    }
}

/// The answer to a request that memory alone can give: a poll decoded before whose
/// reply is cached and still current. `None` when answering needs the store (which
/// blocks, so the caller moves the work off the async threads).
pub fn answer_from_memory(app: &App, reseller: &Arc<Reseller>, body: &[u8]) -> Option<Outcome> {
    let (action, object) = app.decoded.peek(body)?;
    let Action::SimpleTransferStatus(status) = &action else {
        return None;
    };
    let fragment = app.status_cache.get(
        &app.store,
        (reseller.id, status.job_id),
        std::time::Instant::now(),
    )?;
    let reply = actions::status_reply(fragment).with_object(&object);
    Some(Outcome {
        body: reply.to_bytes(),
        action: action.name(),
        code: reply.code,
    })
}

fn decode(app: &App, body: &[u8]) -> Result<(Result<Action, ApiError>, String), ApiError> {
    app.decoded.decode(body, || {
        let env = Envelope::parse(body, &app.config.limits).map_err(ApiError::from)?;
        Ok((Action::from_request(&env), env.object().to_string()))
    })
}

fn failure(e: &ApiError) -> Reply {
    if let ApiError::Internal(detail) = e {
        tracing::error!(%detail, "internal error");
    }
    Reply::error(e)
}

/// The reseller X-Username names (`None` for a name nobody has), and X-Signature;
/// refused when either header is missing.
fn caller<'r>(
    app: &App,
    req: &OpsRequest<'r>,
) -> Result<(Option<Arc<Reseller>>, &'r str), ApiError> {
    let (Some(user), Some(sig)) = (req.username, req.signature) else {
        return Err(ApiError::AuthFailed);
    };
    let found = app
        .credentials
        .lookup(&app.store, user.trim(), std::time::Instant::now())?;
    Ok((found, sig))
}

/// After the signature over the raw body: the IP Access Rules and the rate limit.
pub fn authenticate(
    app: &App,
    found: Option<Arc<Reseller>>,
    signature_ok: bool,
    peer: IpAddr,
) -> Result<Arc<Reseller>, ApiError> {
    let Some(reseller) = found.filter(|_| signature_ok) else {
        return Err(ApiError::AuthFailed);
    };
    if !auth::ip_allowed(&reseller.allowed_ips, peer) {
        return Err(ApiError::IpDenied);
    }
    if !app.rate.allow(reseller.id, std::time::Instant::now()) {
        return Err(ApiError::RateLimited);
    }
    Ok(reseller)
}

/// Every action opsd answers. The enum only routes: parsing and work live in
/// `actions::*`, one file per action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    BulkChangeCancel(BulkChangeCancel),
    BulkChangeGet(BulkChangeGet),
    BulkChangeSubmit(BulkChangeSubmit),
    EventAck(EventAck),
    EventPoll(EventPoll),
    Rsp2RspPushTransfer(Rsp2RspPushTransfer),
    SimpleTransfer(SimpleTransfer),
    SimpleTransferStatus(SimpleTransferStatus),
}

impl Action {
    /// Picks the action by its `(action, object)` pair, case-insensitively, and parses
    /// its attributes.
    pub fn from_request(env: &Envelope) -> Result<Action, ApiError> {
        let action = env.action().to_ascii_uppercase();
        let object = env.object().to_ascii_uppercase();
        let attrs = Fields::attributes(env.attributes())?;
        match (action.as_str(), object.as_str()) {
            ("SIMPLE_TRANSFER", "DOMAIN") => {
                SimpleTransfer::parse(&attrs).map(Action::SimpleTransfer)
            }
            ("SIMPLE_TRANSFER_STATUS", "DOMAIN") => {
                SimpleTransferStatus::parse(&attrs).map(Action::SimpleTransferStatus)
            }
            ("SUBMIT" | "SUBMIT_BULK_CHANGE", "BULK_CHANGE") => {
                let data = match env.top().get("data") {
                    Some(v @ crate::ops::Value::Map(_)) => Some(Fields::attributes(Some(v))?),
                    _ => None,
                };
                BulkChangeSubmit::parse(&attrs, data.as_ref()).map(Action::BulkChangeSubmit)
            }
            ("GET_BULK_CHANGE", "BULK_CHANGE") => {
                BulkChangeGet::parse(&attrs).map(Action::BulkChangeGet)
            }
            ("CANCEL_BULK_CHANGE", "BULK_CHANGE") => {
                BulkChangeCancel::parse(&attrs).map(Action::BulkChangeCancel)
            }
            ("POLL", "EVENT") => EventPoll::parse(&attrs).map(Action::EventPoll),
            ("ACK", "EVENT") => EventAck::parse(&attrs).map(Action::EventAck),
            // The documentation names no object; clients send DOMAIN or nothing.
            ("RSP2RSP_PUSH_TRANSFER", _) => {
                Rsp2RspPushTransfer::parse(&attrs).map(Action::Rsp2RspPushTransfer)
            }
            _ => Err(ApiError::InvalidCommand(env.action().to_string())),
        }
    }

    pub fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        match self {
            Action::BulkChangeCancel(a) => a.apply(ctx),
            Action::BulkChangeGet(a) => a.apply(ctx),
            Action::BulkChangeSubmit(a) => a.apply(ctx),
            Action::EventAck(a) => a.apply(ctx),
            Action::EventPoll(a) => a.apply(ctx),
            Action::Rsp2RspPushTransfer(a) => a.apply(ctx),
            Action::SimpleTransfer(a) => a.apply(ctx),
            Action::SimpleTransferStatus(a) => a.apply(ctx),
        }
    }

    /// Read-only requests that clients repeat byte for byte while they poll: their
    /// decoding is worth keeping (see `decoded`). Others may carry passwords, which
    /// are not kept beyond the request.
    pub fn is_poll(&self) -> bool {
        matches!(
            self,
            Action::SimpleTransferStatus(_) | Action::BulkChangeGet(_) | Action::EventPoll(_)
        )
    }

    /// For logs and metrics.
    pub fn name(&self) -> &'static str {
        match self {
            Action::BulkChangeCancel(_) => "CANCEL_BULK_CHANGE",
            Action::BulkChangeGet(_) => "GET_BULK_CHANGE",
            Action::BulkChangeSubmit(_) => "SUBMIT_BULK_CHANGE",
            Action::EventAck(_) => "ACK",
            Action::EventPoll(_) => "POLL",
            Action::Rsp2RspPushTransfer(_) => "RSP2RSP_PUSH_TRANSFER",
            Action::SimpleTransfer(_) => "SIMPLE_TRANSFER",
            Action::SimpleTransferStatus(_) => "SIMPLE_TRANSFER_STATUS",
        }
    }
}
