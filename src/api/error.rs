//! `ApiError`: every way a request can fail, and the one place that turns a failure
//! into a response code and text.

use crate::ops::OpsError;

use super::codes::{self, Fixed};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("authentication failed")]
    AuthFailed,
    #[error("client IP not allowed")]
    IpDenied,
    #[error("cannot decode the envelope: {0}")]
    Decode(#[from] OpsError),
    #[error("unknown action {0}")]
    InvalidCommand(String),
    /// A required attribute is absent or empty; holds its name (`domain_list[3].auth_info`).
    #[error("missing field {0}")]
    Missing(String),
    /// An attribute's value is wrong; holds the whole client-facing sentence, which
    /// for a field [`ApiError::invalid`] makes.
    #[error("invalid value: {0}")]
    Invalid(String),
    /// reg_domain / reg_username / reg_password name no profile of this reseller.
    #[error("profile credentials rejected")]
    ProfileAuth,
    /// Too many failed profile logins: refused before the password was checked.
    #[error("profile logins throttled")]
    ProfileThrottled(crate::auth::Refused),
    /// Too many password checks at once; the client may try again shortly.
    #[error("busy")]
    Busy,
    #[error("not found")]
    NotFound(Fixed),
    /// A rule refuses the request; the code and text are fixed.
    #[error("refused")]
    Refused(Fixed),
    /// A rule refuses with one of the fixed texts of `codes` filled in for this
    /// request (`{reseller}` replaced by the caller's name).
    #[error("refused: {1}")]
    RefusedAs(u16, String),
    #[error("rate limited")]
    RateLimited,
    /// A fault on our side; the detail goes to the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl ApiError {
    /// 465 for `field` (its path, `domain_list[3].domain_name`), because of `why`:
    /// `Invalid value for '<field>': <why>.` is made here and nowhere else (no final
    /// stop in `why`: the sentence adds it).
    pub fn invalid(field: impl AsRef<str>, why: impl AsRef<str>) -> ApiError {
        ApiError::Invalid(format!(
            "Invalid value for '{}': {}.",
            field.as_ref(),
            why.as_ref()
        ))
    }

    /// Why the request failed, for the journal: the field, the rule it broke and
    /// what would have been accepted (JSON).
    pub fn explain(&self) -> serde_json::Value {
        use serde_json::json;
        let (field, rule, accepted): (String, String, String) = match self {
            ApiError::AuthFailed => (
                "X-Username, X-Signature".into(),
                "the signature must be md5(md5(body + key) + key) in lower-case hex, with the key of the reseller X-Username names".into(),
                "the signature made with this reseller's private key over the exact body bytes".into(),
            ),
            ApiError::IpDenied => (
                "client address".into(),
                "the reseller's IP Access Rules do not include this address".into(),
                "a request from an allowed network".into(),
            ),
            ApiError::Decode(e) if e.kind.is_limit() => (
                "body".into(),
                format!("a request limit: {}", e.kind),
                "a smaller request (max_body_bytes, max_depth, max_items)".into(),
            ),
            ApiError::Decode(e) => (
                "body".into(),
                format!("the OPS envelope could not be read: {e}"),
                "an OPS_envelope with header/version and body/data_block/dt_assoc".into(),
            ),
            ApiError::InvalidCommand(a) => (
                "action, object".into(),
                format!("no action '{a}' is answered for this object"),
                "an (action, object) pair of docs/api.md's \"Actions answered\"".into(),
            ),
            ApiError::Missing(f) => (
                f.clone(),
                format!("required: the request must give '{f}'"),
                "a non-empty value".into(),
            ),
            ApiError::Invalid(text) => {
                // "Invalid value for 'FIELD': WHY." — the sentence `invalid` makes.
                let field = text
                    .split_once("'")
                    .and_then(|(_, r)| r.split_once("'"))
                    .map_or("attributes", |(f, _)| f)
                    .to_string();
                let why = text
                    .split_once("': ")
                    .map_or(text.as_str(), |(_, w)| w)
                    .trim_end_matches('.')
                    .to_string();
                (field, text.clone(), why)
            }
            ApiError::ProfileAuth => (
                "reg_username, reg_password".into(),
                "they must open one of the reseller's profiles (with reg_domain, one holding it)".into(),
                "the profile's user name and password".into(),
            ),
            ApiError::ProfileThrottled(_) => (
                "reg_username".into(),
                "too many failed profile logins".into(),
                "the right password, after the wait".into(),
            ),
            ApiError::Busy => ("-".into(), "too many password checks at once".into(), "the same request, shortly".into()),
            ApiError::RateLimited => ("-".into(), "the reseller's request rate limit".into(), "fewer requests per second".into()),
            ApiError::NotFound(f) | ApiError::Refused(f) => ("-".into(), f.text.into(), "see the action in docs/api.md".into()),
            ApiError::RefusedAs(_, text) => ("-".into(), text.clone(), "see the action in docs/api.md".into()),
            ApiError::Internal(_) => ("-".into(), "a fault on opsd's side (see its log)".into(), "the same request, later".into()),
        };
        json!({ "field": field, "rule": rule, "accepted": accepted })
    }

    /// What the request sent for the field an explanation names (`domain_list[3].
    /// auth_info`, `contact_set.owner.phone`, a top-level item): the value (cut,
    /// and masked when the field holds a secret), the kind and size of a
    /// container, or that nothing came.
    pub fn what_came(top: &crate::ops::Map, field: &str) -> String {
        let mut at: Option<&crate::ops::Value> = None;
        let mut secret = false;
        for (i, part) in field.split('.').enumerate() {
            let (key, index) = match part.split_once('[') {
                Some((k, rest)) => (k, rest.trim_end_matches(']').parse::<usize>().ok()),
                None => (part, None),
            };
            secret |= crate::journal::is_secret(key);
            let map = match at {
                None if i == 0 => top
                    .get("attributes")
                    .and_then(crate::ops::Value::as_map)
                    .filter(|a| a.contains_key(key))
                    .unwrap_or(top),
                Some(v) => match v.as_map() {
                    Some(m) => m,
                    None => return format!("{} where a dt_assoc holds '{key}'", describe(v)),
                },
                None => return "nothing".into(),
            };
            let Some(v) = map.get(key) else {
                return "nothing: the request has no such item".into();
            };
            at = Some(match (index, v) {
                (Some(n), crate::ops::Value::List(l)) => match l.get(n) {
                    Some(e) => e,
                    None => return format!("a dt_array of {} items, none at {n}", l.len()),
                },
                (Some(n), crate::ops::Value::Map(m)) => match m.get(n.to_string().as_str()) {
                    Some(e) => e,
                    None => return format!("no item {n}"),
                },
                _ => v,
            });
        }
        match at {
            Some(crate::ops::Value::Scalar(s)) if secret && !s.trim().is_empty() => {
                "a value (a secret: not shown)".into()
            }
            Some(v) => describe(v),
            None => "nothing".into(),
        }
    }

    /// The response code and text the client sees.
    pub fn reply(&self) -> (u16, String) {
        let fixed = |f: Fixed| (f.code, f.text.to_string());
        match self {
            ApiError::AuthFailed => fixed(codes::AUTH_FAILED),
            ApiError::IpDenied => fixed(codes::IP_DENIED),
            ApiError::Decode(e) if e.kind.is_limit() => (
                codes::INVALID_VALUE,
                format!("Request exceeds a limit: {}.", e.kind),
            ),
            ApiError::Decode(e) => (codes::DECODE_ERROR, format!("OPS Decode Error: {e}.")),
            ApiError::InvalidCommand(action) => (
                codes::INVALID_COMMAND,
                format!("Invalid Command: {action}."),
            ),
            ApiError::Missing(field) => (
                codes::MISSING_FIELD,
                format!("Required field '{field}' not provided."),
            ),
            ApiError::Invalid(text) => (codes::INVALID_VALUE, text.clone()),
            ApiError::ProfileAuth => fixed(codes::PROFILE_AUTH),
            ApiError::ProfileThrottled(r) => (
                codes::PROFILE_AUTH.code,
                format!(
                    "Authentication Error. Too many failed attempts; try again in {} minutes.",
                    r.minutes()
                ),
            ),
            ApiError::Busy => fixed(codes::BUSY),
            ApiError::NotFound(f) | ApiError::Refused(f) => fixed(*f),
            ApiError::RefusedAs(code, text) => (*code, text.clone()),
            ApiError::RateLimited => fixed(codes::RATE_LIMITED),
            ApiError::Internal(_) => fixed(codes::INTERNAL),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::OpsErrorKind;

    #[test]
    fn texts() {
        assert_eq!(
            ApiError::AuthFailed.reply(),
            (401, "Authentication Failed".into())
        );
        assert_eq!(
            ApiError::Missing("domain_list".into()).reply(),
            (460, "Required field 'domain_list' not provided.".into())
        );
        assert_eq!(
            ApiError::InvalidCommand("lookup".into()).reply(),
            (400, "Invalid Command: lookup.".into())
        );
        let decode = ApiError::Decode(OpsError {
            kind: OpsErrorKind::NoDataBlock,
            pos: 7,
        });
        assert_eq!(
            decode.reply(),
            (
                400,
                "OPS Decode Error: no data_block in the envelope at byte 7.".into()
            )
        );
        assert_eq!(
            ApiError::Internal("disk full".into()).reply(),
            (400, "Internal server error".into())
        );
    }
}

#[cfg(test)]
mod came_tests {
    use super::*;

    fn top(xml: &str) -> crate::ops::Map {
        let body = format!(
            "<OPS_envelope><body><data_block><dt_assoc><item key=\"action\">X</item><item key=\"attributes\"><dt_assoc>{xml}</dt_assoc></item></dt_assoc></data_block></body></OPS_envelope>"
        );
        match crate::ops::read(body.as_bytes(), &crate::ops::Limits::default()) {
            Ok(crate::ops::Value::Map(m)) => m,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn what_came_for_a_field() {
        let t = top(
            r#"<item key="period">11</item><item key="domain_list"><dt_array><item key="0"><dt_assoc><item key="auth_info">s3cr3t</item><item key="domain_name"></item></dt_assoc></item></dt_array></item><item key="contact_set"><dt_assoc><item key="owner">x</item></dt_assoc></item>"#,
        );
        assert_eq!(ApiError::what_came(&t, "period"), "'11'");
        assert_eq!(
            ApiError::what_came(&t, "domain"),
            "nothing: the request has no such item"
        );
        assert_eq!(
            ApiError::what_came(&t, "domain_list[0].auth_info"),
            "a value (a secret: not shown)"
        );
        assert_eq!(
            ApiError::what_came(&t, "domain_list[0].domain_name"),
            "an empty value"
        );
        assert_eq!(
            ApiError::what_came(&t, "domain_list[3].auth_info"),
            "a dt_array of 1 items, none at 3"
        );
        assert_eq!(
            ApiError::what_came(&t, "contact_set.owner.phone"),
            "'x' where a dt_assoc holds 'phone'"
        );
        assert_eq!(ApiError::what_came(&t, "action"), "'X'");
    }
}

/// A value as an explanation shows it: scalars quoted (cut to 100 characters),
/// containers by kind and size.
fn describe(v: &crate::ops::Value) -> String {
    match v {
        crate::ops::Value::Scalar(s) if s.trim().is_empty() => "an empty value".into(),
        crate::ops::Value::Scalar(s) => {
            let cut: String = s.chars().take(100).collect();
            if cut.len() < s.len() {
                format!("'{cut}…' ({} characters)", s.chars().count())
            } else {
                format!("'{cut}'")
            }
        }
        crate::ops::Value::Map(m) => format!("a dt_assoc of {} items", m.len()),
        crate::ops::Value::List(l) => format!("a dt_array of {} items", l.len()),
    }
}
