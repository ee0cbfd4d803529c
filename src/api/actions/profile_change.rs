//! A profile's own changes: CHANGE PASSWORD (the profile that holds the domain
//! gets `reg_password`; every cookie of its domains ends, as the documentation
//! tells clients to set a new one) and CHANGE OWNERSHIP (the domain, or with
//! `move_all` every domain of its profile, moved to the profile `username` /
//! `password`: an existing one — named by `reg_domain`, one of its domains, or
//! by its name — or one the move makes). The profile is named as domain calls
//! name a domain: a cookie, `domain` in the attributes or at the top.

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::profile::{self, Unknown};
use crate::api::target::Named;
use crate::api::{ApiError, Ctx, Reply};
use crate::ops::Envelope;
use crate::rules::accounts;
use crate::rules::events;
use crate::store::{Logged, NewOwner};

/// A 465 with the rule's sentence.
fn refused_password(why: String) -> ApiError {
    ApiError::RefusedAs(codes::INVALID_VALUE, why)
}

#[derive(Clone, PartialEq, Eq)]
pub struct ChangePassword {
    pub named: Named,
    pub password: String,
}

impl std::fmt::Debug for ChangePassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangePassword")
            .field("named", &self.named)
            .finish_non_exhaustive()
    }
}

impl crate::api::Handler for ChangePassword {
    const NAME: &'static str = "CHANGE_PASSWORD";

    fn parse(env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(ChangePassword {
            named: Named::read(env, f, &["domain"])?,
            password: f.req_str("reg_password")?.to_string(),
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        if let Some(why) = accounts::password_refusal(&self.password, 3) {
            return Err(refused_password(why));
        }
        let d = self.named.resolve(ctx)?;
        let hash = profile::hashed(&self.password)?;
        let username = ctx
            .app
            .store
            .profile_username(ctx.reseller.id, d.profile_id)?
            .unwrap_or_default();
        let audit = ctx.audit("change_password", &d.name, format!("profile {username}"));
        if !ctx
            .app
            .store
            .set_profile_password(
                ctx.reseller.id,
                d.profile_id,
                &hash,
                Logged {
                    audit: &audit,
                    events: &[events::profile_updated(
                        ctx.reseller.id,
                        &username,
                        "password",
                        ctx.app.now(),
                    )],
                },
            )?
        {
            return Err(ApiError::Refused(codes::DOMAIN_NOT_YOURS));
        }
        Ok(Reply::done_bare(codes::ACCOUNT_OK))
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct ChangeOwnership {
    pub named: Named,
    pub username: String,
    pub password: String,
    /// A domain of the receiving profile (empty: none; the toolkit always sends it).
    pub reg_domain: Option<String>,
    pub move_all: bool,
}

impl std::fmt::Debug for ChangeOwnership {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeOwnership")
            .field("named", &self.named)
            .field("username", &self.username)
            .field("reg_domain", &self.reg_domain)
            .field("move_all", &self.move_all)
            .finish_non_exhaustive()
    }
}

impl crate::api::Handler for ChangeOwnership {
    const NAME: &'static str = "CHANGE_OWNERSHIP";

    fn parse(env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(ChangeOwnership {
            named: Named::read(env, f, &["domain"])?,
            username: f.req_str("username")?.trim().to_string(),
            password: f.req_str("password")?.to_string(),
            reg_domain: f
                .opt_str("reg_domain")?
                .map(|d| d.trim().to_lowercase())
                .filter(|d| !d.is_empty()),
            move_all: f.opt_flag("move_all")?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let d = self.named.resolve(ctx)?;
        let me = ctx.reseller.id;
        let unknown = if self.reg_domain.is_some() {
            Unknown::Refuse
        } else {
            Unknown::Allow
        };
        let found = profile::verify(
            ctx.app,
            me,
            &self.username,
            &self.password,
            self.reg_domain.as_deref(),
            ctx.peer,
            unknown,
        )?;
        let to = match (found, &self.reg_domain) {
            (Some(p), _) => NewOwner::Existing(p.id),
            (None, Some(r)) => {
                return Err(ApiError::RefusedAs(
                    codes::NOT_FOUND,
                    format!("Profile based on {r} not found."),
                ));
            }
            (None, None) => {
                // A new profile: the documentation's syntax for both.
                if !accounts::username_ok(&self.username) {
                    return Err(ApiError::Refused(codes::USERNAME_BAD));
                }
                if let Some(why) = accounts::password_refusal(&self.password, 10) {
                    return Err(refused_password(why));
                }
                NewOwner::Made {
                    username: self.username.clone(),
                    password_hash: profile::hashed(&self.password)?,
                }
            }
        };
        // The domains that move: the one named, or all of its profile's.
        let moving: Vec<(i64, String)> = if self.move_all {
            ctx.app.store.profile_domains(me, d.profile_id)?
        } else {
            vec![(d.id, d.name.clone())]
        };
        let ids: Vec<i64> = moving.iter().map(|(id, _)| *id).collect();
        let detail = format!(
            "{} domain(s) to profile {}",
            ids.len(),
            self.username
        );
        let audit = ctx.audit("change_ownership", &d.name, detail);
        let now = ctx.app.now();
        let moved: Vec<_> = moving
            .iter()
            .map(|(_, name)| events::owner_changed(me, name, &self.username, now))
            .collect();
        let log = Logged {
            audit: &audit,
            events: &moved,
        };
        match ctx.app.store.change_ownership(me, &ids, &to, (now, log))
        {
            Ok(_) => Ok(Reply::done_bare(codes::ACCOUNT_OK)),
            Err(crate::store::StoreError::Conflict(_)) => {
                Err(ApiError::Refused(codes::PROFILE_TAKEN))
            }
            Err(e) => Err(e.into()),
        }
    }
}
