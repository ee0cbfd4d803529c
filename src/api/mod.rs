//! The API layer: a decoded envelope becomes a typed [`Action`], one handler per action
//! runs it, and the result becomes a [`Reply`].
//!
//! [`Api::handle`] is the whole OPS request path after HTTP: authentication, decoding,
//! routing, the handler, and the writer.

pub mod actions;
pub use crate::codes;
pub mod contact_set;
pub mod coverage;
pub mod credentials;
pub mod decoded;
pub mod error;
pub mod fields;
pub mod profile;
pub mod reply;
pub mod reply_cache;
pub mod table;
pub mod target;

pub use error::ApiError;
pub use reply::{Attributes, Layout, Reply};

use std::net::IpAddr;
use std::sync::Arc;

use crate::app::{App, AppState};
use crate::auth;
use crate::ops::Envelope;
use crate::store::Reseller;

pub use table::{Action, Handler};

/// What a handler may use: the server's parts, the request path's caches and the
/// authenticated caller.
#[derive(Debug)]
pub struct Ctx<'a> {
    pub app: &'a App,
    pub caches: &'a Caches,
    pub reseller: &'a Reseller,
    pub peer: IpAddr,
    /// The call's handler name (a sub-user's session is held to its rights by it).
    pub action: &'static str,
}

impl Ctx<'_> {
    /// An audit row of this caller doing `action` to `subject`.
    pub fn audit(&self, action: &str, subject: &str, detail: String) -> crate::store::AuditEntry {
        crate::store::AuditEntry {
            at: self.app.now(),
            actor: self.reseller.username.clone(),
            actor_kind: crate::store::account::RESELLER.into(),
            action: action.into(),
            subject: subject.into(),
            detail,
            client_ip: self.peer.to_string(),
            gaining: None,
            gaining_kind: None,
        }
    }
}

/// What the OPS request path keeps in memory between requests. It lives here, beside
/// the code that fills it, and not in [`App`]: the app is below the API layer.
#[derive(Debug, Default)]
pub struct Caches {
    /// OPS callers' keys and IP rules, cached for a short time.
    pub credentials: credentials::CredentialCache,
    /// Small request bodies already decoded.
    pub decoded: decoded::DecodeMemo,
    /// Recent SIMPLE_TRANSFER_STATUS attributes.
    pub status: reply_cache::ReplyCache,
}

/// The OPS API: the app and the request path's caches. The HTTP server holds one;
/// benches and tests may make their own.
#[derive(Debug)]
pub struct Api {
    pub app: AppState,
    pub caches: Caches,
}

/// One OPS request as HTTP delivered it.
#[derive(Debug)]
pub struct OpsRequest<'a> {
    pub username: Option<&'a str>,
    pub signature: Option<&'a str>,
    pub peer: IpAddr,
    pub body: &'a [u8],
}

/// What came of a request: the bytes to send, and facts for the log and the
/// journal.
#[derive(Debug)]
pub struct Outcome {
    pub body: Vec<u8>,
    pub action: &'static str,
    /// The action as the journal names it: the handler's name, else (a request
    /// whose attributes could not be read) the envelope's action, upper-cased.
    pub action_text: String,
    pub code: u16,
    pub success: bool,
    /// The authenticated caller.
    pub reseller_id: Option<i64>,
    /// For a failed request: the envelope as parsed, and why (see
    /// [`ApiError::explain`]).
    pub explanation: Option<serde_json::Value>,
    /// The injected fault that answered, if one did (`sandbox::faults`).
    pub fault: Option<String>,
    /// An injected fault wants the connection closed without a reply.
    pub close: bool,
    /// An injected fault wants the reply sent this much later (the caller waits
    /// on a timer: a sleeping thread would be one the other tenants lack).
    pub delay: Option<std::time::Duration>,
}

impl Api {
    pub fn new(app: AppState) -> Api {
        Api {
            app,
            caches: Caches::default(),
        }
    }

    /// Runs one OPS request from raw body to reply bytes, authentication included (the
    /// in-process entry point; the HTTP server checks the signature while the body
    /// arrives and calls [`Api::handle_authenticated`]). Never panics on client input: every
    /// failure becomes an OPS error reply.
    pub fn handle(&self, req: &OpsRequest<'_>) -> Outcome {
        let checked = self.caller(req).and_then(|(found, sig)| {
            let signature_ok = match &found {
                Some(r) => auth::signature_matches(req.body, &r.private_key, sig),
                // Spend the same work as for a known user, so timing does not tell which
                // user names exist.
                None => {
                    let _ = auth::signature_matches(req.body, "", sig);
                    false
                }
            };
            self.authenticate(found, signature_ok, req.peer)
        });
        self.handle_authenticated(checked, req.peer, req.body)
    }

    /// Runs a request whose caller has been looked up and whose signature has been
    /// checked (`checked` is the outcome of [`Api::authenticate`]). The body is decoded only
    /// for an authenticated caller.
    pub fn handle_authenticated(
        &self,
        checked: Result<Arc<Reseller>, ApiError>,
        peer: IpAddr,
        body: &[u8],
    ) -> Outcome {
        let reseller_id = checked.as_ref().ok().map(|r| r.id);
        let mut run = Run::default();
        let reply = match checked.and_then(|reseller| Ok((reseller, self.decode(body)?))) {
            Ok((reseller, (action, heading))) => {
                // `as_subreseller`: the call runs as the caller's sub-reseller.
                let acting = match &heading.as_subreseller {
                    None => Ok(reseller),
                    Some(name) => self.as_subreseller(&reseller, name),
                };
                match acting {
                    Ok(r) => self.run_action(&r, action, peer, &mut run),
                    Err(e) => run.refused(e),
                }
                .with_object(&heading.object)
            }
            Err(e) => run.refused(e),
        };
        let reply = with_refusal_extras(reply, run.action);
        let explanation =
            (!reply.success).then(|| self.explain(&reply, &mut run, reseller_id, body));
        Outcome {
            body: reply.to_bytes(),
            action: run.action,
            action_text: run.action_text.unwrap_or_else(|| run.action.to_string()),
            code: reply.code,
            success: reply.success,
            reseller_id,
            explanation,
            fault: run.fault,
            close: run.close,
            delay: run.delay,
        }
    }

    /// Runs a decoded action for `reseller`, unless a fault rule answers for it.
    fn run_action(
        &self,
        reseller: &Arc<Reseller>,
        action: Result<Action, ApiError>,
        peer: IpAddr,
        run: &mut Run,
    ) -> Reply {
        let answered = action.and_then(|action| {
            run.action = action.name();
            if let Some(reply) = self.inject_fault(reseller.id, run)? {
                return Ok(reply);
            }
            action.apply(&Ctx {
                app: &self.app,
                caches: &self.caches,
                reseller,
                peer,
                action: run.action,
            })
        });
        answered.unwrap_or_else(|e| run.refused(e))
    }

    /// The fault rule that takes this call, if one does: its reply, or (latency,
    /// close) what it does to the reply, noted in `run`.
    fn inject_fault(&self, reseller_id: i64, run: &mut Run) -> Result<Option<Reply>, ApiError> {
        use crate::sandbox::faults::Effect;
        let Some(injected) = self.app.faults().for_ops(reseller_id, run.action)? else {
            return Ok(None);
        };
        run.fault = Some(injected.label);
        Ok(match injected.effect {
            Effect::Reply { code, text } => {
                let mut r = Reply::ok_without_attributes(code, &text, Layout::CodeSuccessAttrs);
                r.success = false;
                Some(r)
            }
            Effect::Latency(d) => {
                run.delay = Some(d);
                None
            }
            Effect::Close => {
                run.close = true;
                None
            }
        })
    }

    /// Why a request failed, for the journal: the refusal's field and rule, what
    /// came for that field, and the envelope as opsd read it (for a caller that
    /// passed authentication). A pair opsd answers whose attributes were refused
    /// is still that action (for the metrics and the coverage counts).
    fn explain(
        &self,
        reply: &Reply,
        run: &mut Run,
        reseller_id: Option<i64>,
        body: &[u8],
    ) -> serde_json::Value {
        let mut why = match &run.cause {
            Some(e) => e.explain(),
            // A field's refusal written as a reply (465 with attributes.error).
            None if reply.text.starts_with("Invalid value for '") => {
                ApiError::Invalid(reply.text.clone()).explain()
            }
            // Another refusal written as a reply (485, 487).
            None => {
                serde_json::json!({ "field": "-", "rule": reply.text, "accepted": "see the action in docs/api.md" })
            }
        };
        if reseller_id.is_none() {
            return why;
        }
        let Ok(env) = Envelope::parse(body, &self.app.config.limits) else {
            return why;
        };
        let Some(m) = why.as_object_mut() else {
            return why;
        };
        if run.action == "-" {
            match Action::handler_name(&env) {
                Some(name) => run.action = name,
                None => run.action_text = Some(env.action().to_ascii_uppercase()),
            }
        }
        let field = m
            .get("field")
            .and_then(serde_json::Value::as_str)
            .filter(|f| *f != "-" && *f != "body" && !f.contains(' '))
            .map(str::to_string);
        if let Some(field) = field {
            m.insert("came".into(), ApiError::what_came(env.top(), &field).into());
        }
        let attributes: Vec<String> = env
            .attributes()
            .and_then(crate::ops::Value::as_map)
            .map(|a| a.keys().map(ToString::to_string).collect())
            .unwrap_or_default();
        m.insert(
            "envelope".into(),
            serde_json::json!({
                "action": env.action(),
                "object": env.object(),
                "attributes": attributes,
            }),
        );
        why
    }

    /// The answer to a request that memory alone can give: a poll decoded before whose
    /// reply is cached and still current. `None` when answering needs the store (which
    /// blocks, so the caller moves the work off the async threads).
    pub fn answer_from_memory(&self, reseller: &Arc<Reseller>, body: &[u8]) -> Option<Outcome> {
        // A fault rule may take the call: the store decides then.
        if self
            .app
            .faults_on
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            return None;
        }
        let (action, heading) = self.caches.decoded.peek(body)?;
        if heading.as_subreseller.is_some() {
            return None;
        }
        let object = heading.object;
        let status = action.downcast_ref::<actions::SimpleTransferStatus>()?;
        let fragment = self.caches.status.get(
            &self.app.store,
            (reseller.id, status.job_id),
            std::time::Instant::now(),
        )?;
        let reply = actions::status_reply(fragment).with_object(&object);
        Some(Outcome {
            body: reply.to_bytes(),
            action: action.name(),
            action_text: action.name().to_string(),
            code: reply.code,
            success: reply.success,
            reseller_id: Some(reseller.id),
            explanation: None,
            fault: None,
            close: false,
            delay: None,
        })
    }

    fn decode(
        &self,
        body: &[u8],
    ) -> Result<(Result<Action, ApiError>, decoded::Heading), ApiError> {
        self.caches.decoded.decode(body, || {
            let env = Envelope::parse(body, &self.app.config.limits).map_err(ApiError::from)?;
            let as_subreseller = match env.top().get("attributes") {
                Some(crate::ops::Value::Map(m)) => m
                    .get("as_subreseller")
                    .and_then(crate::ops::Value::as_str)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
                _ => None,
            };
            let heading = decoded::Heading {
                object: env.object().to_string(),
                as_subreseller,
            };
            Ok((Action::from_request(&env), heading))
        })
    }

    /// The caller's sub-reseller `name`, for a call made on its behalf; 480
    /// for a name that is not the caller's sub-reseller (another's, or none).
    fn as_subreseller(&self, parent: &Reseller, name: &str) -> Result<Arc<Reseller>, ApiError> {
        let store = &self.app.store;
        let child = store
            .sub_reseller(parent.id, name)?
            .ok_or(ApiError::NotFound(codes::SUBRESELLER_NOT_FOUND))?;
        store
            .reseller_by_id(child.reseller_id)?
            .map(Arc::new)
            .ok_or(ApiError::NotFound(codes::SUBRESELLER_NOT_FOUND))
    }

    /// The reseller X-Username names (`None` for a name nobody has), and X-Signature;
    /// refused when either header is missing.
    fn caller<'r>(
        &self,
        req: &OpsRequest<'r>,
    ) -> Result<(Option<Arc<Reseller>>, &'r str), ApiError> {
        let (Some(user), Some(sig)) = (req.username, req.signature) else {
            return Err(ApiError::AuthFailed);
        };
        let found = self.caches.credentials.lookup(
            &self.app.store,
            user.trim(),
            std::time::Instant::now(),
        )?;
        Ok((found, sig))
    }

    /// After the signature over the raw body: the IP Access Rules and the rate limit.
    pub fn authenticate(
        &self,
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
        // A sub-reseller its parent locked or cancelled calls no more.
        if let Some((_, status)) = &reseller.parent
            && !crate::rules::accounts::may_call(status)
        {
            return Err(ApiError::Refused(codes::SUBRESELLER_INACTIVE));
        }
        if !self.app.rate.allow(reseller.id, std::time::Instant::now()) {
            return Err(ApiError::RateLimited);
        }
        Ok(reseller)
    }
}

/// The most of an unknown action's name the error reply repeats (the longest
/// real action name is 34 characters).
pub(crate) const MAX_ACTION_ECHO: usize = 100;

/// What one request's run noted on the way to its reply.
#[derive(Debug)]
struct Run {
    /// The handler's name, `-` until one is known.
    action: &'static str,
    /// The journal's name for an action opsd does not answer.
    action_text: Option<String>,
    /// The refusal behind a failed reply.
    cause: Option<ApiError>,
    fault: Option<String>,
    close: bool,
    delay: Option<std::time::Duration>,
}

impl Default for Run {
    fn default() -> Run {
        Run {
            action: "-",
            action_text: None,
            cause: None,
            fault: None,
            close: false,
            delay: None,
        }
    }
}

impl Run {
    /// The reply to a refusal, noted as the cause.
    fn refused(&mut self, e: ApiError) -> Reply {
        let r = failure(&e);
        self.cause = Some(e);
        r
    }
}

/// The top-level items the real server adds to some refusals (`codes::REFUSAL_EXTRAS`).
fn with_refusal_extras(mut reply: Reply, action: &str) -> Reply {
    if !reply.success {
        for (code, named, key, value) in codes::REFUSAL_EXTRAS {
            if *code == reply.code && (*named == "*" || *named == action) {
                reply
                    .extra
                    .push(((*key).to_string(), crate::ops::Value::from(*value)));
            }
        }
    }
    reply
}

fn failure(e: &ApiError) -> Reply {
    if let ApiError::Internal(detail) = e {
        tracing::error!(%detail, "internal error");
    }
    Reply::error(e)
}
