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
use crate::store::{Profile, Subuser};

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

/// A profile opened by its credentials: by the profile itself, or by its
/// sub-user (whose rights then bound what the opening may do).
#[derive(Debug, Clone)]
pub struct Opened {
    pub profile: Profile,
    pub subuser: Option<Subuser>,
}

/// `owner`'s profile `username` if `password` (and `domain`, when given) match it;
/// `Ok(None)` when it has no profile of that name. A wrong password or domain is 415.
/// A sub-user's credentials open its profile only with the owner bit (435
/// otherwise): the calls that take credentials act as the profile.
pub fn verify(
    app: &App,
    owner: i64,
    username: &str,
    password: &str,
    domain: Option<&str>,
    peer: IpAddr,
    unknown: Unknown,
) -> Result<Option<Profile>, ApiError> {
    match open(app, owner, (username, password), domain, peer, unknown)? {
        Some(Opened {
            subuser: Some(s), ..
        }) if s.permission & crate::rules::accounts::bits::OWNER == 0 => {
            Err(ApiError::Refused(super::codes::SUBUSER_DENIED))
        }
        opened => Ok(opened.map(|o| o.profile)),
    }
}

/// `owner`'s profile that `username` opens with `password`: the profile of
/// that name, or the profile of the sub-user of that name. The password is the
/// profile's (or sub-user's), or a live temporary one from
/// GET_USER_ACCESS_INFO. `Ok(None)` when neither has that name.
pub fn open(
    app: &App,
    owner: i64,
    (username, password): (&str, &str),
    domain: Option<&str>,
    peer: IpAddr,
    unknown: Unknown,
) -> Result<Option<Opened>, ApiError> {
    let account = format!("profile:{owner}:{username}");
    let store = &app.store;
    let found = store.profile_by_username(owner, username)?;
    let (sub, parent) = match &found {
        Some(_) => (None, None),
        None => match store.subuser_by_username(owner, username)? {
            Some(s) => {
                let parent = store.profile_by_id(owner, s.profile_id)?;
                (Some(s), parent)
            }
            None => (None, None),
        },
    };
    let holder = found.as_ref().or(parent.as_ref());
    let now = app.now();
    let outcome = app.logins.attempt(&account, peer, || {
        let hash = match (&found, &sub) {
            (Some(p), _) => Some(p.password_hash.as_str()),
            (None, Some(s)) => Some(s.password_hash.as_str()),
            (None, None) => None,
        };
        let mut ok = auth::verify_account_password(password, hash)?;
        if !ok && let Some(p) = &found {
            ok = store
                .profile_access(p.id, &auth::token_hash(password), now)
                .unwrap_or(false);
        }
        let domain_ok = match (holder, domain) {
            (Some(p), Some(d)) => store.profile_has_domain(p.id, d).unwrap_or(false),
            _ => true,
        };
        Ok::<bool, auth::PasswordError>(match holder {
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
        Ok(Ok(true)) => Ok(match (found, parent) {
            (Some(profile), _) => Some(Opened {
                profile,
                subuser: None,
            }),
            (None, Some(profile)) => Some(Opened {
                profile,
                subuser: sub,
            }),
            (None, None) => None,
        }),
        Ok(Ok(false)) => Err(ApiError::ProfileAuth),
    }
}

/// `password` hashed as account passwords are kept (Argon2).
pub fn hashed(password: &str) -> Result<String, ApiError> {
    auth::hash_password(password).map_err(|e| match e {
        auth::PasswordError::Busy => ApiError::Busy,
        auth::PasswordError::Failed => ApiError::Internal(e.to_string()),
    })
}
