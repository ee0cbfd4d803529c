//! Which portfolio domain a request is about. Clients name it four ways
//! (integrations.md B §0.4): `attributes.domain` (WHMCS, Blesta), a top-level
//! `cookie` from SET COOKIE (WHMCS Pro, yola, Net::DRI), a top-level `domain`
//! (the toolkit's "bypass"), and `attributes.domain_name` (SEND_AUTHCODE, MyAdmin's
//! MODIFY). A cookie wins when one is sent: it is what the client logged in to.
//!
//! Whichever way, the answer is the caller's own domain or the same refusal: a
//! domain of another reseller and a domain nobody has are told apart by nobody.

use crate::domain::DomainName;
use crate::ops::{Envelope, Value};
use crate::store::DomainRecord;

use super::fields::Fields;
use super::{ApiError, Ctx, codes};

/// The domain as the request names it.
#[derive(Clone, PartialEq, Eq)]
pub enum Named {
    Domain(String),
    Cookie(String),
}

// A cookie is a credential: it never reaches a log line.
impl std::fmt::Debug for Named {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Named::Domain(d) => f.debug_tuple("Domain").field(d).finish(),
            Named::Cookie(_) => f.write_str("Cookie(***)"),
        }
    }
}

impl Named {
    /// Reads the domain from a request, trying the cookie first, then the
    /// attributes in `keys` in order, then the top-level `domain`.
    pub fn read(env: &Envelope, attrs: &Fields<'_>, keys: &[&str]) -> Result<Named, ApiError> {
        if let Some(v) = env.top().get("cookie") {
            return match v.as_str().map(str::trim) {
                Some(c) if !c.is_empty() => Ok(Named::Cookie(c.to_string())),
                _ => Err(ApiError::Refused(codes::COOKIE_MISSING)),
            };
        }
        for key in keys {
            if let Some(d) = attrs.opt_str(key)? {
                return Named::domain(d, key);
            }
        }
        match env.top().get("domain").and_then(Value::as_str) {
            Some(d) if !d.trim().is_empty() => Named::domain(d, "domain"),
            _ => Err(ApiError::Missing(
                keys.first().copied().unwrap_or("domain").into(),
            )),
        }
    }

    /// Like [`Named::read`], but `None` when the request names no domain at all
    /// (GET type=list lists the account then).
    pub fn read_optional(
        env: &Envelope,
        attrs: &Fields<'_>,
        keys: &[&str],
    ) -> Result<Option<Named>, ApiError> {
        match Named::read(env, attrs, keys) {
            Ok(n) => Ok(Some(n)),
            Err(ApiError::Missing(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn domain(raw: &str, key: &str) -> Result<Named, ApiError> {
        DomainName::parse(raw)
            .map(|d| Named::Domain(d.name.to_string()))
            .map_err(|e| ApiError::invalid(key, e.to_string()))
    }

    /// The caller's domain this names. Refused with 415 when it is not the caller's
    /// (the same answer whoever holds it); a domain whose transfer in has not
    /// completed yet is answered as not active, so that a billing module's sync
    /// does not take it for a finished transfer.
    pub fn resolve(&self, ctx: &Ctx<'_>) -> Result<DomainRecord, ApiError> {
        self.resolve_session(ctx).map(|(d, _)| d)
    }

    /// [`Named::resolve`], with the rights of the sub-user whose cookie named
    /// the domain (none for the profile's own cookie and for a domain named
    /// outright).
    pub fn resolve_session(&self, ctx: &Ctx<'_>) -> Result<(DomainRecord, Option<i64>), ApiError> {
        let store = &ctx.app.store;
        let me = ctx.reseller.id;
        match self {
            Named::Cookie(c) => {
                let hash = crate::auth::token_hash(c);
                let (id, subuser) = store
                    .cookie_domain(&hash, me, ctx.app.now())?
                    .ok_or(ApiError::Refused(codes::COOKIE_INVALID))?;
                // A sub-user's session reaches what its rights open.
                if let Some(permission) = subuser
                    && !crate::rules::accounts::allows(ctx.action, permission)
                {
                    return Err(ApiError::Refused(codes::SUBUSER_DENIED));
                }
                let d = store
                    .domain_record_by_id(me, id)?
                    .ok_or(ApiError::Refused(codes::COOKIE_INVALID))?;
                Ok((d, subuser))
            }
            Named::Domain(name) => {
                if let Some(d) = store.domain_record(me, name)? {
                    return Ok((d, None));
                }
                let pending = store
                    .transfer_state(me, name)?
                    .is_some_and(|t| crate::rules::transfer::in_progress(t.status));
                if pending {
                    return Err(ApiError::Refused(codes::TRANSFER_NOT_ACTIVE));
                }
                Err(ApiError::Refused(codes::DOMAIN_NOT_YOURS))
            }
        }
    }
}
