//! Profile credentials in OPS requests: `reg_domain` / `reg_username` /
//! `reg_password` (SIMPLE_TRANSFER, bulk change) and RSP2RSP_PUSH_TRANSFER's
//! `username` / `password`, parsed and checked here for every action.
//!
//! Every check goes through the login throttle (account `profile:<reseller id>:<user
//! name>`, and the caller's address) and costs one Argon2 run whether or not the
//! profile exists, so that neither guessing nor timing finds profile names.

use std::net::IpAddr;

use crate::app::App;
use crate::auth;
use crate::store::Profile;

use super::ApiError;
use super::fields::Fields;

/// `reg_domain`, `reg_username`, `reg_password`: an existing profile of a reseller.
#[derive(Clone, PartialEq, Eq)]
pub struct ProfileCredentials {
    /// One of the profile's domains, lower-cased, when given.
    pub domain: Option<String>,
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for ProfileCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProfileCredentials")
            .field("domain", &self.domain)
            .field("username", &self.username)
            .field("password", &"***")
            .finish()
    }
}

impl ProfileCredentials {
    /// The three attributes, when any of them is given; then user name and password
    /// are required.
    pub fn parse(f: &Fields<'_>) -> Result<Option<ProfileCredentials>, ApiError> {
        let domain = f.opt_str("reg_domain")?;
        if domain.is_none()
            && f.opt_str("reg_username")?.is_none()
            && f.opt_str("reg_password")?.is_none()
        {
            return Ok(None);
        }
        Ok(Some(ProfileCredentials {
            domain: domain.map(|d| d.trim().to_lowercase()),
            username: f.req_str("reg_username")?.trim().to_string(),
            password: f.req_str("reg_password")?.to_string(),
        }))
    }

    /// The profile an order names (SW_REGISTER, BULK_TRANSFER): user name and
    /// password required, `reg_domain` when given and not empty.
    pub fn of_order(f: &Fields<'_>) -> Result<ProfileCredentials, ApiError> {
        Ok(ProfileCredentials {
            domain: f
                .opt_str("reg_domain")?
                .map(|d| d.trim().to_lowercase())
                .filter(|d| !d.is_empty()),
            username: f.req_str("reg_username")?.trim().to_string(),
            password: f.req_str("reg_password")?.to_string(),
        })
    }

    /// The id of `owner`'s profile these credentials open; 415 otherwise, without
    /// saying which part was wrong.
    pub fn check(&self, app: &App, owner: i64, peer: IpAddr) -> Result<i64, ApiError> {
        match verify(
            app,
            owner,
            &self.username,
            &self.password,
            self.domain.as_deref(),
            peer,
            Unknown::Refuse,
        )? {
            Some(p) => Ok(p.id),
            None => Err(ApiError::ProfileAuth),
        }
    }
}

/// What an unknown profile name means to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unknown {
    /// A failed attempt (the request needs an existing profile).
    Refuse,
    /// Not a failure: the request may make a profile of that name.
    Allow,
}

/// `owner`'s profile `username` if `password` (and `domain`, when given) match it;
/// `Ok(None)` when it has no profile of that name. A wrong password or domain is 415.
pub fn verify(
    app: &App,
    owner: i64,
    username: &str,
    password: &str,
    domain: Option<&str>,
    peer: IpAddr,
    unknown: Unknown,
) -> Result<Option<Profile>, ApiError> {
    let account = format!("profile:{owner}:{username}");
    let found = app.store.profile_by_username(owner, username)?;
    let outcome = app.logins.attempt(&account, peer, || {
        let ok = auth::verify_account_password(
            password,
            found.as_ref().map(|p| p.password_hash.as_str()),
        )?;
        let domain_ok = match (&found, domain) {
            (Some(p), Some(d)) => app.store.profile_has_domain(p.id, d).unwrap_or(false),
            _ => true,
        };
        Ok::<bool, auth::PasswordError>(match &found {
            Some(_) => ok && domain_ok,
            // Making a new profile of a free name is no failed guess.
            None => unknown == Unknown::Allow,
        })
    });
    match outcome {
        Err(refused) => Err(ApiError::ProfileThrottled(refused)),
        Ok(Err(auth::PasswordError::Busy)) => Err(ApiError::Busy),
        Ok(Err(auth::PasswordError::Failed)) => {
            Err(ApiError::Internal("password check failed".into()))
        }
        Ok(Ok(true)) => Ok(found),
        Ok(Ok(false)) => Err(ApiError::ProfileAuth),
    }
}
