//! Logins for the page areas that have accounts (reseller control panel; later the
//! mail administration and the operator dashboard): session cookies, the CSRF token
//! every logged-in POST carries, and the double-submit token of the login form.
//!
//! Cookies are `HttpOnly` and `SameSite=Strict`, scoped to the area's path; the
//! session row is keyed by SHA-256 of the cookie value.

use crate::app::App;
use minijinja::context;

use crate::auth::{self, token_hash};
use crate::store::{Session, StoreError};

use super::{Page, PageRequest, render};

/// How long a login lasts (by the server's clock).
pub const SESSION_SECONDS: i64 = 12 * 3600;

/// A page area with its own logins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Realm {
    /// Stored with the session; a session of one realm is not valid in another.
    pub name: &'static str,
    /// The path the area lives under, also the cookies' `Path`.
    pub base: &'static str,
    /// The kind of account that logs in here: the namespace of the login throttle
    /// (the mail console and the Email API share `mail_admin`).
    pub accounts: &'static str,
}

impl Realm {
    fn cookie(&self) -> String {
        format!("opsd_{}", self.name)
    }

    fn login_cookie(&self) -> String {
        format!("opsd_{}_login", self.name)
    }

    pub fn login_url(&self) -> String {
        format!("{}/login", self.base)
    }
}

fn same(a: &str, b: &str) -> bool {
    auth::same_secret(b, a)
}

fn cookie_line(name: &str, value: &str, path: &str, max_age: Option<i64>, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path={path}; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// The logged-in session of `realm`, if the request carries a live one.
pub fn current(app: &App, realm: Realm, req: &PageRequest) -> Option<Session> {
    let token = req.cookies.get(&realm.cookie())?;
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    match app.store.session(&token_hash(token), realm.name, app.now()) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "session lookup failed");
            None
        }
    }
}

/// The session a request to a logged-in page needs: a GET without one is sent to
/// the login page; a POST without one, or without the session's CSRF token, is
/// refused.
pub fn gate(app: &App, realm: Realm, req: &PageRequest) -> Result<Session, Page> {
    let Some(s) = current(app, realm, req) else {
        return Err(if req.post {
            super::message(
                403,
                "Logged out",
                "Your session has ended. Please log in again.",
            )
        } else {
            Page::redirect(&realm.login_url())
        });
    };
    if req.post && !csrf_ok(&s, req) {
        return Err(super::message(
            403,
            "Form expired",
            "This form has expired. Please go back, reload the page and try again.",
        ));
    }
    Ok(s)
}

/// Whether a logged-in POST carries its session's CSRF token.
fn csrf_ok(session: &Session, req: &PageRequest) -> bool {
    same(req.form.get("csrf").unwrap_or(""), &session.csrf)
}

/// A fresh token for the login form, and the cookie that must come back with it
/// (double submit: a cross-site page can post the form but cannot read or set the
/// cookie).
pub fn login_token(realm: Realm, req: &PageRequest) -> (String, String) {
    let token = auth::random_hex(16);
    let cookie = cookie_line(
        &realm.login_cookie(),
        &token,
        &realm.login_url(),
        Some(3600),
        req.secure,
    );
    (token, cookie)
}

/// Whether the login POST carries the token its login cookie holds.
pub fn login_token_ok(realm: Realm, req: &PageRequest) -> bool {
    let cookie = req
        .cookies
        .get(&realm.login_cookie())
        .map(String::as_str)
        .unwrap_or("");
    same(req.form.get("login_token").unwrap_or(""), cookie)
}

/// Starts a session for `subject_id` and answers with a redirect to `to` that sets
/// its cookie.
pub fn start(app: &App, realm: Realm, subject_id: i64, req: &PageRequest, to: &str) -> Page {
    let token = auth::random_hex(32);
    let now = app.now();
    let session = Session {
        realm: realm.name.to_string(),
        subject_id,
        csrf: auth::random_hex(16),
        expires_at: now + SESSION_SECONDS,
    };
    if let Err(e) = app.store.create_session(&token_hash(&token), &session, now) {
        tracing::error!(error = %e, "could not store a session");
        return super::message(500, "Try again later", "We could not log you in right now.");
    }
    Page::redirect(to)
        .with_header(
            "Set-Cookie",
            cookie_line(&realm.cookie(), &token, realm.base, None, req.secure),
        )
        .with_header(
            "Set-Cookie",
            cookie_line(
                &realm.login_cookie(),
                "",
                &realm.login_url(),
                Some(0),
                req.secure,
            ),
        )
}

/// The login form of `realm`, with a fresh double-submit token.
pub fn login_page(
    realm: Realm,
    title: &str,
    req: &PageRequest,
    status: u16,
    error: Option<&str>,
    username: &str,
) -> Page {
    let (token, cookie) = login_token(realm, req);
    render(
        status,
        "login.html",
        context! { title, action => realm.login_url(), login_token => token, error, username },
    )
    .with_header("Set-Cookie", cookie)
}

/// Handles the login form's POST: `lookup` gives the account id and Argon2 hash of a
/// user name; on success the session starts and the browser goes to `landing`.
pub fn login(
    app: &App,
    realm: Realm,
    title: &str,
    req: &PageRequest,
    landing: &str,
    lookup: impl FnOnce(&str) -> Result<Option<(i64, String)>, StoreError>,
    admit: impl FnOnce(i64) -> Result<bool, StoreError>,
) -> Page {
    let username = req.form.get("username").unwrap_or("").trim();
    if !login_token_ok(realm, req) {
        let e = Some("The login form expired. Please try again.");
        return login_page(realm, title, req, 403, e, username);
    }
    let password = req.form.get("password").unwrap_or("");
    let found = match lookup(username) {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(error = %e, "login: store failure");
            return super::message(500, "Try again later", "We could not log you in right now.");
        }
    };
    let account = format!("{}:{}", realm.accounts, username.to_lowercase());
    let hash = found.as_ref().map(|(_, h)| h.as_str());
    match app.logins.attempt(&account, req.peer, || {
        auth::verify_account_password(password, hash)
    }) {
        Err(refused) => {
            let e = format!(
                "Too many failed logins for this account or from your address. Try again in {} minutes.",
                refused.minutes()
            );
            login_page(realm, title, req, 429, Some(&e), username)
                .with_header("Retry-After", refused.retry_after.as_secs().to_string())
        }
        Ok(Err(auth::PasswordError::Busy)) => {
            let e = Some("The server is busy. Please try again in a moment.");
            login_page(realm, title, req, 503, e, username)
        }
        Ok(Err(auth::PasswordError::Failed)) => {
            super::message(500, "Try again later", "We could not log you in right now.")
        }
        // The right password from an address the account's rules refuse gets no
        // session (the rules are checked only after the password: they tell a
        // stranger nothing).
        Ok(Ok(true)) if let Some((id, _)) = found => match admit(id) {
            Ok(true) => start(app, realm, id, req, landing),
            Ok(false) => {
                tracing::warn!(realm = realm.name, peer = %req.peer, "login refused: IP Access Rules");
                super::message(
                    403,
                    "Access denied",
                    "Access denied: invalid IP address. Your account's IP Access Rules do not include the address you are browsing from.",
                )
            }
            Err(e) => {
                tracing::error!(error = %e, "login: store failure");
                super::message(500, "Try again later", "We could not log you in right now.")
            }
        },
        Ok(Ok(_)) => login_page(
            realm,
            title,
            req,
            401,
            Some("Wrong user name or password."),
            username,
        ),
    }
}

/// The part every logged-in page area shares. `{base}` redirects to `landing`;
/// `{base}/login` shows and handles the login form (`lookup` gives an account's id
/// and password hash by user name); every other path needs a live session (see
/// [`gate`]), and `POST {base}/logout` ends it. `admit` says whether the account
/// whose password passed may log in from the request's address. `load` finds who
/// the session is for; when that account is gone the session ends. `Ok` is a
/// logged-in request for the area's own pages; `Err` is the answer already made.
#[allow(clippy::too_many_arguments)]
pub fn enter<T>(
    app: &App,
    realm: Realm,
    title: &str,
    landing: &str,
    req: &PageRequest,
    lookup: impl FnOnce(&str) -> Result<Option<(i64, String)>, StoreError>,
    admit: impl FnOnce(i64) -> Result<bool, StoreError>,
    load: impl FnOnce(&Session) -> Result<Option<T>, StoreError>,
) -> Result<(Session, T), Page> {
    let path = req.path.trim_end_matches('/');
    let login_url = realm.login_url();
    if path == realm.base && !req.post {
        return Err(Page::redirect(landing));
    }
    if path == login_url {
        return Err(if req.post {
            login(app, realm, title, req, landing, lookup, admit)
        } else {
            login_page(realm, title, req, 200, None, "")
        });
    }
    let session = gate(app, realm, req)?;
    if req.post && path.strip_prefix(realm.base) == Some("/logout") {
        return Err(end(app, realm, req));
    }
    match load(&session) {
        Ok(Some(subject)) => Ok((session, subject)),
        Ok(None) => Err(end(app, realm, req)),
        Err(e) => Err(super::store_failure(title, &e)),
    }
}

/// Gives the request's session a full lifetime from now: the operator who moves the
/// sandbox clock by days stays logged in.
pub fn renew(app: &App, realm: Realm, req: &PageRequest) -> Result<(), StoreError> {
    match req.cookies.get(&realm.cookie()) {
        Some(token) => app
            .store
            .extend_session(&token_hash(token), app.now() + SESSION_SECONDS),
        None => Ok(()),
    }
}

/// Ends the request's session and answers with a redirect to the login page.
pub fn end(app: &App, realm: Realm, req: &PageRequest) -> Page {
    if let Some(token) = req.cookies.get(&realm.cookie())
        && let Err(e) = app.store.delete_session(&token_hash(token))
    {
        tracing::error!(error = %e, "could not delete a session");
    }
    Page::redirect(&realm.login_url()).with_header(
        "Set-Cookie",
        cookie_line(&realm.cookie(), "", realm.base, Some(0), req.secure),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_hex_sha256() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn empty_tokens_never_match() {
        assert!(!same("", ""));
        assert!(same("a1", "a1"));
        assert!(!same("a1", "a2"));
    }

    #[test]
    fn cookies_are_http_only_and_strict() {
        let c = cookie_line("opsd_panel", "t", "/panel", Some(0), true);
        assert_eq!(
            c,
            "opsd_panel=t; Path=/panel; HttpOnly; SameSite=Strict; Max-Age=0; Secure"
        );
    }
}
