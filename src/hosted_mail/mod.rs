//! Hosted email (seed 001, actions.md §7, issue 33): the email-domain push
//! between companies on one cluster, shared by the OpenSRS Email JSON API and
//! the mail administration pages; administrator credentials (password or
//! token). The API: `api` (dispatch, companies, credentials), `domains`,
//! `users`, `workgroups`, `changes` (histories), `tokens` (users' logins),
//! with `request` and `failure` shared by them.

mod access;
pub mod api;
mod bulletins;
mod changes;
mod company;
pub mod coverage;
mod domains;
pub mod downloads;
mod failure;
mod files;
mod mailbox;
mod messages;
mod migration;
mod request;
mod roles;
mod stats;
mod tokens;
mod users;
mod workgroups;

use std::net::IpAddr;

pub use request::audit;

use crate::app::App;
use crate::auth;
use crate::rules::mail_push::{MailPush, MailPushDone, MailPushRefused};
use crate::rules::mail_roles::{Grant, Role};
use crate::store::StoreError;

/// An authenticated caller of the Email API: a company's administrator account
/// (the `company` role), or one of its mailbox users with the roles it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admin {
    /// The administrator account's id, or the mailbox user's.
    pub id: i64,
    pub username: String,
    pub company_id: i64,
    /// The mailbox user it is (its id), when it is one.
    pub mailbox: Option<i64>,
    /// The roles it holds (`rules::mail_roles`).
    pub grants: Vec<Grant>,
    /// Logged in with an API token rather than the password.
    pub via_token: bool,
    /// ... with a token that was itself made with a token: it cannot make further
    /// tokens, so a chain of tokens never outlives its password by more than two
    /// token lives.
    pub token_chained: bool,
}

impl Admin {
    /// The mailbox user's address, when the caller is one.
    pub fn me(&self) -> Option<&str> {
        self.mailbox.map(|_| self.username.as_str())
    }
}

/// What a company's administrator account holds: the `company` role.
pub fn company_grant() -> Vec<Grant> {
    vec![Grant {
        role: Role::Company,
        objects: Vec::new(),
    }]
}

/// Why credentials were not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Wrong user name, password or token.
    Invalid,
    /// Too many failed attempts for the account or from the address.
    Throttled(auth::Refused),
    /// Too many password checks at once.
    Busy,
}

/// Checks a user name with a password or an API token, through the login throttle
/// (account `mail_admin:<user>`, shared with the mail console's login page).
pub fn authenticate(
    app: &App,
    username: &str,
    password: Option<&str>,
    token: Option<&str>,
    peer: IpAddr,
) -> Result<Result<Admin, Refusal>, StoreError> {
    let account = format!("mail_admin:{}", username.to_lowercase());
    let admin = |id, company_id, via_token: bool, token_chained: bool| Admin {
        id,
        username: username.to_string(),
        company_id,
        mailbox: None,
        grants: company_grant(),
        via_token,
        token_chained,
    };
    if let Some(t) = token {
        // A token is 160 random bits: not worth an Argon2 run, but a wrong one still
        // counts against the address.
        let found = app
            .store
            .mail_token_admin(&auth::token_hash(t), username, app.now())?;
        let outcome = app
            .logins
            .attempt(&account, peer, || Ok::<bool, StoreError>(found.is_some()));
        return Ok(match (outcome, found) {
            (Err(r), _) => Err(Refusal::Throttled(r)),
            (Ok(_), Some((id, c, from_token))) => Ok(admin(id, c, true, from_token)),
            (Ok(_), None) => Err(Refusal::Invalid),
        });
    }
    let Some(password) = password else {
        return Ok(Err(Refusal::Invalid));
    };
    let found = app.store.mail_admin(username)?;
    let hash = found.as_ref().map(|(_, _, h)| h.as_str());
    Ok(
        match app.logins.attempt(&account, peer, || {
            auth::verify_account_password(password, hash)
        }) {
            Err(r) => Err(Refusal::Throttled(r)),
            Ok(Err(auth::PasswordError::Busy)) => Err(Refusal::Busy),
            Ok(Err(auth::PasswordError::Failed) | Ok(false)) => Err(Refusal::Invalid),
            Ok(Ok(true)) => match found {
                Some((id, c, _)) => Ok(admin(id, c, false, false)),
                None => Err(Refusal::Invalid),
            },
        },
    )
}

/// Pushes `domain` from the admin's company to `gaining` (see `rules::mail_push`).
pub fn push(
    app: &App,
    admin: &Admin,
    domain: &str,
    gaining: i64,
    peer: IpAddr,
) -> Result<Result<MailPushDone, MailPushRefused>, StoreError> {
    let p = MailPush {
        losing: admin.company_id,
        gaining,
        domain: domain.trim().trim_end_matches('.').to_lowercase(),
        now: app.now(),
        actor: admin.username.clone(),
        client_ip: peer.to_string(),
    };
    crate::rules::mail_push::push(app, &p)
}
