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
                "an (action, object) pair from the README's \"Actions answered\"".into(),
            ),
            ApiError::Missing(f) => (
                f.clone(),
                "required".into(),
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
            ApiError::NotFound(f) | ApiError::Refused(f) => ("-".into(), f.text.into(), "see the README section of the action".into()),
            ApiError::Internal(_) => ("-".into(), "a fault on opsd's side (see its log)".into(), "the same request, later".into()),
        };
        json!({ "field": field, "rule": rule, "accepted": accepted })
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
