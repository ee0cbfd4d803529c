//! The profile behind a domain, read (GET USERINFO; the documentation spells the
//! object `user_info`, every client `userinfo`), and handed to the reseller
//! (GET_USER_ACCESS_INFO, OpenSRS's WHMCS module: `attributes.domain_name`,
//! reading `username` and `password` back); and CHECK VERSION, the handshake
//! of the old socket protocol, answered over HTTPS too.
//!
//! opsd keeps only password hashes, so GET_USER_ACCESS_INFO answers a
//! temporary password (*chosen*): it opens the profile wherever the profile's
//! own does (SET COOKIE, `reg_password`) for [`ACCESS_SECONDS`], and ends with
//! a password change.

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::target::Named;
use crate::api::{ApiError, Ctx, Reply};
use crate::ops::{Envelope, Map, Value};

/// How long a GET_USER_ACCESS_INFO password opens its profile (*chosen*).
pub const ACCESS_SECONDS: i64 = 3600;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetUserInfo {
    pub named: Named,
}

impl crate::api::Handler for GetUserInfo {
    const NAME: &'static str = "USERINFO";

    fn parse(env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        // yola sends `type=all_info` beside the cookie; there is one shape.
        Ok(GetUserInfo {
            named: Named::read(env, f, &["domain"])?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        // Through a sub-user's cookie: its rights, and not the owner.
        let (d, permission) = self.named.resolve_session(ctx)?;
        let store = &ctx.app.store;
        let me = ctx.reseller.id;
        let count = store.profile_domains(me, d.profile_id)?.len();
        let mut attrs = Map::with_capacity(10);
        attrs.insert("capabilities".into(), Value::Map(Map::new()));
        attrs.insert("domain".into(), Value::from(d.name.as_str()));
        attrs.insert("domain_count".into(), Value::from(count as i64));
        attrs.insert("encoding_type".into(), Value::from(""));
        attrs.insert(
            "expiredate".into(),
            Value::from(crate::clock::unix_timestamp_text(
                crate::rules::renewal::expiry(&d),
            )),
        );
        let owner = if permission.is_some() { "0" } else { "1" };
        attrs.insert("f_owner".into(), Value::from(owner));
        attrs.insert(
            "permission".into(),
            Value::from(permission.map(|p| p.to_string()).unwrap_or_default()),
        );
        attrs.insert("last_access_time".into(), Value::from(ctx.app.now()));
        attrs.insert("last_ip".into(), Value::from(ctx.peer.to_string()));
        attrs.insert("waiting_requests_no".into(), Value::from("0"));
        Ok(Reply::done(codes::ACCOUNT_OK, attrs))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetUserAccessInfo {
    pub named: Named,
}

impl crate::api::Handler for GetUserAccessInfo {
    const NAME: &'static str = "GET_USER_ACCESS_INFO";

    fn parse(env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(GetUserAccessInfo {
            named: Named::read(env, f, &["domain_name", "domain"])?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let d = self.named.resolve(ctx)?;
        let store = &ctx.app.store;
        let profile = store
            .profile_by_id(ctx.reseller.id, d.profile_id)?
            .ok_or(ApiError::Refused(codes::DOMAIN_NOT_YOURS))?;
        let now = ctx.app.now();
        // 20 characters: the longest password the documentation allows.
        let password = crate::auth::random_hex(10);
        let audit = ctx.audit("get_user_access_info", &d.name, profile.username.clone());
        store.add_profile_access(
            (&crate::auth::token_hash(&password), profile.id),
            now,
            now + ACCESS_SECONDS,
            &audit,
        )?;
        let mut attrs = Map::with_capacity(2);
        attrs.insert("username".into(), Value::from(profile.username));
        attrs.insert("password".into(), Value::from(password));
        Ok(Reply::done(codes::ACCOUNT_OK, attrs))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckVersion;

impl crate::api::Handler for CheckVersion {
    const NAME: &'static str = "CHECK_VERSION";

    fn parse(_env: &Envelope, _f: &Fields<'_>) -> Result<Self, ApiError> {
        // The old client sends sender, version and state; the toolkit nothing.
        Ok(CheckVersion)
    }

    fn apply(self, _ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        // What the old protocol's client checks in the server's greeting.
        let mut attrs = Map::with_capacity(3);
        attrs.insert("sender".into(), Value::from("OpenSRS SERVER"));
        attrs.insert("version".into(), Value::from("XML:0.1"));
        attrs.insert("state".into(), Value::from("ready"));
        Ok(Reply::done(codes::ACCOUNT_OK, attrs))
    }
}
