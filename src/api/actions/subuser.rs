//! A profile's sub-user (OpenSRS allows one): SUBUSER ADD, GET, MODIFY and
//! DELETE. The profile is the one holding the domain named as domain calls
//! name it (a cookie, `domain` at the top or in the attributes); `username`,
//! at the top (the documentation, WHMCS) or in the attributes (the toolkit),
//! is the profile's name and must be it. The sub-user's name, password and
//! rights (`sub_permission`, the documented bitmask) are checked by
//! `rules::accounts`; its password is kept as profiles keep theirs and never
//! given back. GET answers `id`, `username` and `permission` (the
//! documentation prints the first key `d`; *chosen*: `id`, the key MODIFY and
//! DELETE take it back as `sub_id`), empty when the profile has none.

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::profile;
use crate::api::target::Named;
use crate::api::{ApiError, Ctx, Reply};
use crate::ops::{Envelope, Map, Value};
use crate::rules::accounts;
use crate::rules::events;
use crate::store::{DomainRecord, Logged, StoreError, Subuser, Written};

/// The profile a sub-user call is about: the named domain's, whose name must be
/// `username` when one is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parent {
    pub named: Named,
    pub username: Option<String>,
}

impl Parent {
    fn read(env: &Envelope, f: &Fields<'_>) -> Result<Parent, ApiError> {
        let top = env
            .top()
            .get("username")
            .and_then(Value::as_str)
            .map(str::to_string);
        let username = match top {
            Some(u) => Some(u),
            None => f.opt_str("username")?.map(str::to_string),
        }
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty());
        Ok(Parent {
            named: Named::read(env, f, &["domain"])?,
            username,
        })
    }

    /// The domain and its profile's name.
    fn resolve(&self, ctx: &Ctx<'_>) -> Result<(DomainRecord, String), ApiError> {
        let d = self.named.resolve(ctx)?;
        let name = ctx
            .app
            .store
            .profile_username(ctx.reseller.id, d.profile_id)?
            .ok_or(ApiError::Refused(codes::DOMAIN_NOT_YOURS))?;
        if let Some(u) = &self.username
            && *u != name
        {
            return Err(ApiError::RefusedAs(
                codes::NOT_FOUND,
                format!("Domain {} not owned by user.", d.name),
            ));
        }
        Ok((d, name))
    }
}

/// A sub-user's name, password and rights as sent.
#[derive(Clone, PartialEq, Eq)]
pub struct SubFields {
    pub username: String,
    pub password: String,
    pub permission: i64,
}

impl std::fmt::Debug for SubFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubFields")
            .field("username", &self.username)
            .field("permission", &self.permission)
            .finish_non_exhaustive()
    }
}

impl SubFields {
    fn read(f: &Fields<'_>) -> Result<SubFields, ApiError> {
        let permission = f.req_id("sub_permission")?;
        if !(0..=accounts::bits::ALL).contains(&permission) {
            return Err(f.invalid("sub_permission", "expected a sum of 1, 2, 4, 8, 16 and 32"));
        }
        Ok(SubFields {
            username: f.req_str("sub_username")?.trim().to_string(),
            password: f.req_str("sub_password")?.to_string(),
            permission,
        })
    }

    /// The sub-user these make of profile `profile_id` (named `owner`), checked.
    fn checked(&self, ctx: &Ctx<'_>, (profile_id, owner): (i64, &str), id: i64) -> Result<Subuser, ApiError> {
        if self.username == owner {
            return Err(ApiError::Refused(codes::SUBUSER_IS_OWNER));
        }
        if !accounts::username_ok(&self.username) {
            return Err(ApiError::Refused(codes::SUBUSER_BAD_NAME));
        }
        if let Some(why) = accounts::password_refusal(&self.password, 3) {
            return Err(ApiError::RefusedAs(codes::INVALID_VALUE, why));
        }
        // A profile's name would make its logins ambiguous.
        if ctx
            .app
            .store
            .profile_by_username(ctx.reseller.id, &self.username)?
            .is_some()
        {
            return Err(ApiError::Refused(codes::USERNAME_TAKEN));
        }
        Ok(Subuser {
            id,
            profile_id,
            username: self.username.clone(),
            password_hash: profile::hashed(&self.password)?,
            permission: self.permission,
        })
    }
}

/// A taken name is 485; anything else as it is.
fn taken(e: StoreError) -> ApiError {
    match e {
        StoreError::Conflict(_) => ApiError::Refused(codes::USERNAME_TAKEN),
        e => e.into(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddSubuser {
    pub parent: Parent,
    pub sub: SubFields,
}

impl crate::api::Handler for AddSubuser {
    const NAME: &'static str = "SUBUSER_ADD";

    fn parse(env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(AddSubuser {
            parent: Parent::read(env, f)?,
            sub: SubFields::read(f)?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let (d, owner) = self.parent.resolve(ctx)?;
        let s = self.sub.checked(ctx, (d.profile_id, &owner), 0)?;
        let detail = format!("sub-user {} of {owner}", s.username);
        let audit = ctx.audit("subuser_add", &d.name, detail);
        let now = ctx.app.now();
        let event = events::profile_updated(ctx.reseller.id, &owner, "subuser_added", now);
        let log = Logged {
            audit: &audit,
            events: &[event],
        };
        match ctx.app.store.add_subuser(ctx.reseller.id, &s, now, log).map_err(taken)? {
            Written::Done(id) => {
                let mut attrs = Map::with_capacity(1);
                attrs.insert("id".into(), Value::from(id));
                Ok(Reply::done(codes::ACCOUNT_OK, attrs))
            }
            Written::Stopped(_) => Err(ApiError::Refused(codes::SUBUSER_LIMIT)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetSubuser {
    pub parent: Parent,
}

impl crate::api::Handler for GetSubuser {
    const NAME: &'static str = "SUBUSER_GET";

    fn parse(env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(GetSubuser {
            parent: Parent::read(env, f)?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let (d, _) = self.parent.resolve(ctx)?;
        let mut attrs = Map::with_capacity(3);
        if let Some(s) = ctx.app.store.subuser_of_profile(ctx.reseller.id, d.profile_id)? {
            attrs.insert("id".into(), Value::from(s.id));
            attrs.insert("permission".into(), Value::from(s.permission));
            attrs.insert("username".into(), Value::from(s.username));
        }
        Ok(Reply::done(codes::ACCOUNT_OK, attrs))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModifySubuser {
    pub parent: Parent,
    pub id: i64,
    pub sub: SubFields,
}

impl crate::api::Handler for ModifySubuser {
    const NAME: &'static str = "SUBUSER_MODIFY";

    fn parse(env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(ModifySubuser {
            parent: Parent::read(env, f)?,
            id: f.req_id("sub_id")?,
            sub: SubFields::read(f)?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let (d, owner) = self.parent.resolve(ctx)?;
        let s = self.sub.checked(ctx, (d.profile_id, &owner), self.id)?;
        let detail = format!("sub-user {} of {owner}", s.username);
        let audit = ctx.audit("subuser_modify", &d.name, detail);
        let now = ctx.app.now();
        let event = events::profile_updated(ctx.reseller.id, &owner, "subuser_modified", now);
        let log = Logged {
            audit: &audit,
            events: &[event],
        };
        if !ctx.app.store.modify_subuser(ctx.reseller.id, &s, now, log).map_err(taken)? {
            return Err(ApiError::NotFound(codes::SUBUSER_NOT_FOUND));
        }
        Ok(Reply::done_bare(codes::ACCOUNT_OK))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteSubuser {
    pub parent: Parent,
    pub id: i64,
}

impl crate::api::Handler for DeleteSubuser {
    const NAME: &'static str = "SUBUSER_DELETE";

    fn parse(env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(DeleteSubuser {
            parent: Parent::read(env, f)?,
            id: f.req_id("sub_id")?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let (d, owner) = self.parent.resolve(ctx)?;
        let audit = ctx.audit("subuser_delete", &d.name, format!("sub-user {} of {owner}", self.id));
        if !ctx
            .app
            .store
            .delete_subuser(
                ctx.reseller.id,
                (d.profile_id, self.id),
                Logged {
                    audit: &audit,
                    events: &[events::profile_updated(
                        ctx.reseller.id,
                        &owner,
                        "subuser_deleted",
                        ctx.app.now(),
                    )],
                },
            )?
        {
            return Err(ApiError::NotFound(codes::SUBUSER_NOT_FOUND));
        }
        Ok(Reply::done_bare(codes::ACCOUNT_OK))
    }
}
