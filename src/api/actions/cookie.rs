//! SET COOKIE and DELETE COOKIE: a session on one domain, opened with the
//! credentials of the profile that holds it (`domain`, `reg_username`,
//! `reg_password`). Later calls send the cookie as a top-level `cookie` item
//! instead of naming the domain (see `api::target`). The cookie is a random token;
//! the store keeps only its hash, in the database, so every instance knows it.

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::profile::{self, Unknown};
use crate::api::{ApiError, Ctx, Reply};
use crate::domain::DomainName;
use crate::ops::{Map, Value};

/// How long a cookie lives.
pub const COOKIE_SECONDS: i64 = 2 * 3600;

#[derive(Clone, PartialEq, Eq)]
pub struct SetCookie {
    pub domain: String,
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for SetCookie {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetCookie")
            .field("domain", &self.domain)
            .field("username", &self.username)
            .field("password", &"***")
            .finish()
    }
}

impl crate::api::Handler for SetCookie {
    const NAME: &'static str = "SET_COOKIE";

    fn parse(_env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let domain = DomainName::parse(f.req_str("domain")?)
            .map_err(|e| f.invalid("domain", &e.to_string()))?;
        Ok(SetCookie {
            domain: domain.name.to_string(),
            username: f.req_str("reg_username")?.trim().to_string(),
            password: f.req_str("reg_password")?.to_string(),
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let peer = ctx.peer;
        let me = ctx.reseller.id;
        let refused = ApiError::Refused(codes::COOKIE_BAD_PASSWORD);
        let profile = match profile::verify(
            ctx.app,
            me,
            &self.username,
            &self.password,
            Some(&self.domain),
            peer,
            Unknown::Refuse,
        ) {
            Ok(Some(p)) => p,
            Ok(None) | Err(ApiError::ProfileAuth) => return Err(refused),
            Err(e) => return Err(e),
        };
        let store = &ctx.app.store;
        let d = store
            .domain_record(me, &self.domain)?
            .filter(|d| d.profile_id == profile.id)
            .ok_or(refused)?;
        let now = ctx.app.now();
        let token = crate::auth::random_hex(16);
        store.create_cookie(
            &crate::auth::token_hash(&token),
            me,
            d.id,
            now,
            now + COOKIE_SECONDS,
        )?;
        let count = store.profile_domains(me, profile.id)?.len();
        let mut attrs = Map::with_capacity(9);
        attrs.insert("waiting_requests_no".into(), Value::from("0"));
        // Captured: the request waiting on the domain, none in the sandbox.
        attrs.insert("waiting_request".into(), Value::from("None"));
        attrs.insert("permission".into(), Value::from(""));
        attrs.insert("cookie".into(), Value::from(token));
        attrs.insert("domain_count".into(), Value::from(count as i64));
        attrs.insert("f_owner".into(), Value::from("1"));
        attrs.insert("last_access_time".into(), Value::from(now));
        attrs.insert("encoding_type".into(), Value::from(""));
        attrs.insert("last_ip".into(), Value::from(peer.to_string()));
        attrs.insert(
            "expiredate".into(),
            Value::from(crate::clock::unix_timestamp_text(
                crate::rules::renewal::expiry(&d),
            )),
        );
        Ok(Reply::done(codes::COOKIE_SET, attrs))
    }
}

/// DELETE COOKIE: ends the session (`cookie` in the attributes or at the top).
#[derive(Clone, PartialEq, Eq)]
pub struct DeleteCookie {
    pub cookie: String,
}

impl std::fmt::Debug for DeleteCookie {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeleteCookie(***)")
    }
}

impl crate::api::Handler for DeleteCookie {
    const NAME: &'static str = "DELETE_COOKIE";

    fn parse(env: &crate::ops::Envelope, attrs: &Fields<'_>) -> Result<Self, ApiError> {
        let cookie = match attrs.opt_str("cookie")? {
            Some(c) => c.trim().to_string(),
            None => env
                .top()
                .get("cookie")
                .and_then(Value::as_str)
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .ok_or(ApiError::Refused(codes::COOKIE_MISSING))?,
        };
        Ok(DeleteCookie { cookie })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let hash = crate::auth::token_hash(&self.cookie);
        if !ctx.app.store.delete_cookie(&hash, ctx.reseller.id)? {
            return Err(ApiError::Refused(codes::COOKIE_INVALID));
        }
        Ok(Reply::done_bare(codes::COOKIE_DELETED))
    }
}
