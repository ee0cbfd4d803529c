//! Login tokens of a company's users: generate_token for a mailbox user (of
//! type `oma`, `session` or `sso`, the last good for one login, with a reason
//! and a duration, as documented), and a user's own `authenticate` with its
//! password or such a token. The sandbox has no webmail or IMAP to log in to:
//! a user's `authenticate` stands in for those logins and for the OMA's, so
//! every kind of token works there while it lives, and an `sso` token once.

use std::net::IpAddr;

use serde_json::{Map, Value, json};

use crate::app::App;
use crate::auth;
use crate::rules::mail_roles;
use crate::rules::mail_users::{self, TokenKind};
use crate::store::NewUserToken;

use super::Admin;
use super::failure::{Failure, Outcome, bad, errors, exists, missing};
use super::request::{audit, no_such};

/// Default and longest life of a user's token (hours), as documented.
const DEFAULT_HOURS: i64 = 24;
const MAX_HOURS: i64 = 168;

/// generate_token for `user`, a mailbox user of the caller's company.
pub(super) fn user_token(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    peer: IpAddr,
) -> Outcome {
    let (local, domain) = super::users::user_of(app, admin, req)?;
    let address = format!("{local}@{domain}");
    let store = &app.store;
    let Some(u) = store.mail_user(admin.company_id, &domain, &local)? else {
        return Err(no_such(&format!("user '{address}'")));
    };
    let reason = req
        .get("reason")
        .ok_or_else(|| missing("reason"))?
        .as_str()
        .filter(|r| !r.trim().is_empty() && r.chars().count() <= mail_users::MAX_TEXT)
        .ok_or_else(|| bad("reason", "must be a short text"))?;
    let kind = match req.get("type") {
        None | Some(Value::Null) => TokenKind::Session,
        Some(v) => v
            .as_str()
            .and_then(TokenKind::parse)
            .ok_or_else(|| bad("type", "must be oma, session or sso"))?,
    };
    let hours = match req.get("duration") {
        None | Some(Value::Null) => DEFAULT_HOURS,
        Some(v) => super::request::integer(v)
            .filter(|h| (1..=MAX_HOURS).contains(h))
            .ok_or_else(|| bad("duration", "must be 1 to 168 hours"))?,
    };
    let oma = match req.get("oma") {
        None | Some(Value::Null) => false,
        Some(v) => v
            .as_bool()
            .ok_or_else(|| bad("oma", "must be true or false"))?,
    };
    let token = match req.get("token") {
        None | Some(Value::Null) => auth::random_hex(20),
        Some(v) => v
            .as_str()
            .filter(|t| mail_users::token_ok(t))
            .map(str::to_string)
            .ok_or_else(|| {
                bad(
                    "token",
                    "must be 16 to 128 letters, digits, '.', '_' or '-'",
                )
            })?,
    };
    let now = app.now();
    let a = audit(admin, "generate_token", &address, peer, now);
    let kept = NewUserToken {
        token_hash: &auth::token_hash(&token),
        mailbox_id: u.id,
        kind: kind.as_str(),
        oma,
        reason: reason.trim(),
        expires_at: now + hours * 3600,
    };
    if !store.add_mail_user_token(&kept, now, &a)? {
        return Err(exists("that token"));
    }
    let mut out = Map::new();
    out.insert("token".into(), json!(token));
    out.insert("duration".into(), json!(hours));
    Ok(out)
}

/// A mailbox user (`credentials.user` an address) calling with its password or
/// one of its live tokens, through the login throttle (account
/// `mail_user:<address>`): the caller, with the roles it holds.
pub(super) fn user_caller(
    app: &App,
    req: &Map<String, Value>,
    peer: IpAddr,
) -> Result<Admin, Failure> {
    let invalid = || Failure(errors::INVALID_CREDENTIALS, "Invalid credentials".into());
    let creds = req
        .get("credentials")
        .and_then(Value::as_object)
        .ok_or_else(invalid)?;
    let text = |k: &str| creds.get(k).and_then(Value::as_str);
    let (local, domain) = text("user")
        .and_then(mail_users::split_address)
        .ok_or_else(invalid)?;
    let address = format!("{local}@{domain}");
    let found = app.store.mail_user_login(&address)?;
    let account = format!("mail_user:{address}");
    let now = app.now();
    let outcome = app.logins.attempt(&account, peer, || {
        if let Some(t) = text("token") {
            let Some((id, _)) = &found else {
                return Ok::<bool, crate::store::StoreError>(false);
            };
            let hash = auth::token_hash(t);
            return Ok(app
                .store
                .take_mail_user_token(*id, &hash, TokenKind::Sso.as_str(), now)?
                .is_some());
        }
        let hash = found.as_ref().and_then(|(_, h)| h.as_deref());
        Ok(matches!(
            auth::verify_account_password(text("password").unwrap_or_default(), hash),
            Ok(true)
        ) && hash.is_some())
    });
    match outcome {
        Ok(Ok(true)) => {
            let (Some((id, _)), Some(d)) = (found, app.store.mail_domain(&domain)?) else {
                return Err(invalid());
            };
            let grants = mail_roles::grants(app.store.mail_roles_of(id)?);
            Ok(Admin {
                id,
                username: address,
                company_id: d.company_id,
                mailbox: Some(id),
                grants,
                via_token: text("token").is_some(),
                token_chained: false,
            })
        }
        Ok(Ok(false)) => Err(invalid()),
        Ok(Err(e)) => Err(e.into()),
        Err(r) => Err(Failure(
            errors::INVALID_CREDENTIALS,
            format!(
                "Too many failed attempts for this user or from this address; try again in {} minutes",
                r.minutes()
            ),
        )),
    }
}
