//! How an Email API call fails: the documented error numbers, and the failure
//! every method returns (number and text), shared by the methods' modules.

use serde_json::{Map, Value};

use crate::store::StoreError;

/// Error numbers of the Email API, as its errors page numbers them.
pub mod errors {
    /// Not ours to blame on the caller ("Server error."); the detail is logged.
    pub const INTERNAL: u8 = 0;
    pub const INVALID_CREDENTIALS: u8 = 1;
    pub const NO_SUCH_OBJECT: u8 = 2;
    /// "This object is an alias.": changed through its real name only.
    pub const IS_ALIAS: u8 = 3;
    pub const NO_PERMISSION: u8 = 4;
    pub const BAD_REQUEST: u8 = 5;
    pub const BAD_ATTRIBUTE: u8 = 6;
    /// "An object with this name already exists."
    pub const EXISTS: u8 = 7;
}

#[derive(Debug)]
pub(super) struct Failure(pub(super) u8, pub(super) String);

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        match e {
            // A unique name taken (an alias another user holds, say).
            StoreError::Conflict(what) => exists(&what),
            e => {
                tracing::error!(error = %e, "email API: store failure");
                Failure(
                    errors::INTERNAL,
                    "Internal error; please try again later".into(),
                )
            }
        }
    }
}

/// Error 7: `what` (a domain, a user, a token) already exists.
pub(super) fn exists(what: &str) -> Failure {
    Failure(
        errors::EXISTS,
        format!("An object with this name already exists: {what}"),
    )
}

pub(super) type Outcome = Result<Map<String, Value>, Failure>;

pub(super) fn missing(field: &str) -> Failure {
    Failure(
        errors::BAD_REQUEST,
        format!("Badly formatted request: missing '{field}'"),
    )
}

pub(super) fn bad(field: &str, why: &str) -> Failure {
    Failure(
        errors::BAD_ATTRIBUTE,
        format!("Attribute '{field}' badly formatted: {why}"),
    )
}
