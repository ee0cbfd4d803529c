//! SET COOKIE, UPDATE COOKIE, DELETE COOKIE and QUIT SESSION: a session on one
//! domain, opened with the credentials of the profile that holds it (`domain`,
//! `reg_username`, `reg_password`), moved to another domain of the profile
//! (`domain_new`), ended. Later calls send the cookie as a top-level `cookie` item
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
        let (opened, d) = profile_domain(ctx, &self.username, &self.password, &self.domain)?;
        let profile_id = opened.profile.id;
        let subuser = opened.subuser.as_ref();
        let store = &ctx.app.store;
        let now = ctx.app.now();
        let token = crate::auth::random_hex(16);
        store.create_cookie(
            &crate::auth::token_hash(&token),
            (me, d.id, subuser.map(|s| s.id)),
            now,
            now + COOKIE_SECONDS,
        )?;
        let count = store.profile_domains(me, profile_id)?.len();
        let mut attrs = Map::with_capacity(9);
        attrs.insert("waiting_requests_no".into(), Value::from("0"));
        // Captured: the request waiting on the domain, none in the sandbox.
        attrs.insert("waiting_request".into(), Value::from("None"));
        // A sub-user's session carries its rights; the owner's none.
        let permission = subuser.map(|s| s.permission.to_string()).unwrap_or_default();
        attrs.insert("permission".into(), Value::from(permission));
        attrs.insert("cookie".into(), Value::from(token));
        attrs.insert("domain_count".into(), Value::from(count as i64));
        let owner = if subuser.is_some() { "0" } else { "1" };
        attrs.insert("f_owner".into(), Value::from(owner));
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

/// The profile that `username`/`password` open (a sub-user's credentials open
/// its profile) and its `domain`; the one refusal for a wrong password and a
/// domain not the profile's.
fn profile_domain(
    ctx: &Ctx<'_>,
    username: &str,
    password: &str,
    domain: &str,
) -> Result<(profile::Opened, crate::store::DomainRecord), ApiError> {
    let me = ctx.reseller.id;
    let refused = ApiError::Refused(codes::COOKIE_BAD_PASSWORD);
    let opened = match profile::open(
        ctx.app,
        me,
        (username, password),
        Some(domain),
        ctx.peer,
        Unknown::Refuse,
    ) {
        Ok(Some(p)) => p,
        Ok(None) | Err(ApiError::ProfileAuth) => return Err(refused),
        Err(e) => return Err(e),
    };
    let d = ctx
        .app
        .store
        .domain_record(me, domain)?
        .filter(|d| d.profile_id == opened.profile.id)
        .ok_or(refused)?;
    Ok((opened, d))
}

/// UPDATE COOKIE: the session (top-level `cookie`) moves from `domain` to
/// `domain_new`, another domain of the same profile; its lifetime starts over. The
/// live cookie is the credential (the real server took a request with an empty
/// `reg_username` and `reg_password`); credentials that are sent must be right.
#[derive(Clone, PartialEq, Eq)]
pub struct UpdateCookie {
    pub cookie: String,
    pub domain: String,
    pub domain_new: String,
    pub username: Option<String>,
    pub password: String,
}

impl std::fmt::Debug for UpdateCookie {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpdateCookie")
            .field("domain", &self.domain)
            .field("domain_new", &self.domain_new)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl crate::api::Handler for UpdateCookie {
    const NAME: &'static str = "UPDATE_COOKIE";

    fn parse(env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let name = |key: &str| -> Result<String, ApiError> {
            DomainName::parse(f.req_str(key)?)
                .map(|d| d.name.to_string())
                .map_err(|e| f.invalid(key, &e.to_string()))
        };
        let cookie = env
            .top()
            .get("cookie")
            .and_then(Value::as_str)
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .ok_or(ApiError::Refused(codes::COOKIE_MISSING))?;
        Ok(UpdateCookie {
            cookie,
            domain: name("domain")?,
            domain_new: name("domain_new")?,
            username: f.opt_str("reg_username")?.map(|u| u.trim().to_string()),
            password: f.opt_str("reg_password")?.unwrap_or_default().to_string(),
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let me = ctx.reseller.id;
        let store = &ctx.app.store;
        let now = ctx.app.now();
        let hash = crate::auth::token_hash(&self.cookie);
        // The cookie must be live and on `domain`.
        let old = store
            .cookie_domain(&hash, me, now)?
            .and_then(|(id, _)| store.domain_record_by_id(me, id).ok().flatten())
            .filter(|d| d.name == self.domain)
            .ok_or(ApiError::Refused(codes::COOKIE_INVALID))?;
        let (profile_id, d) = match &self.username {
            Some(user) => {
                let (opened, d) = profile_domain(ctx, user, &self.password, &self.domain_new)?;
                (opened.profile.id, d)
            }
            None => store
                .domain_record(me, &self.domain_new)?
                .map(|d| (d.profile_id, d))
                .ok_or(ApiError::Refused(codes::COOKIE_BAD_PASSWORD))?,
        };
        if old.profile_id != profile_id {
            return Err(ApiError::Refused(codes::COOKIE_BAD_PASSWORD));
        }
        if !store.move_cookie(&hash, me, d.id, now, now + COOKIE_SECONDS)? {
            return Err(ApiError::Refused(codes::COOKIE_INVALID));
        }
        let count = store.profile_domains(me, profile_id)?.len();
        // Captured: the keys of SET COOKIE's reply less permission,
        // last_access_time and last_ip.
        let mut attrs = Map::with_capacity(6);
        attrs.insert("domain_count".into(), Value::from(count as i64));
        attrs.insert("f_owner".into(), Value::from("1"));
        attrs.insert("waiting_requests_no".into(), Value::from("0"));
        attrs.insert("waiting_request".into(), Value::from("None"));
        attrs.insert("cookie".into(), Value::from(self.cookie));
        attrs.insert(
            "expiredate".into(),
            Value::from(crate::clock::unix_timestamp_text(
                crate::rules::renewal::expiry(&d),
            )),
        );
        Ok(Reply::done(codes::COOKIE_SET, attrs))
    }
}

/// QUIT SESSION: the end of a session of the old socket protocol. Over HTTPS each
/// request stands alone, so there is nothing to close: the captured answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuitSession;

impl crate::api::Handler for QuitSession {
    const NAME: &'static str = "QUIT_SESSION";

    fn parse(_env: &crate::ops::Envelope, _f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(QuitSession)
    }

    fn apply(self, _ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        Ok(Reply::done_bare(codes::SESSION_CLOSED))
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
