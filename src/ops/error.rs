//! Codec errors: what went wrong and at which byte of the body.

use std::fmt;

/// A decode failure with the byte offset where it was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at byte {pos}")]
pub struct OpsError {
    pub kind: OpsErrorKind,
    pub pos: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpsErrorKind {
    /// The bytes are not UTF-8.
    Utf8,
    /// The XML itself is broken (from quick-xml).
    Syntax(String),
    /// Well-formed XML that is not an OPS envelope, e.g. `expected dt_assoc, found foo`.
    Structure(String),
    /// The envelope has no `data_block`.
    NoDataBlock,
    /// A configured limit was exceeded.
    Limit(LimitKind),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKind {
    Bytes(usize),
    Depth(usize),
    Items(usize),
}

impl OpsErrorKind {
    pub fn is_limit(&self) -> bool {
        matches!(self, OpsErrorKind::Limit(_))
    }
}

impl fmt::Display for OpsErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpsErrorKind::Utf8 => f.write_str("body is not valid UTF-8"),
            OpsErrorKind::Syntax(s) => write!(f, "malformed XML: {s}"),
            OpsErrorKind::Structure(s) => f.write_str(s),
            OpsErrorKind::NoDataBlock => f.write_str("no data_block in the envelope"),
            OpsErrorKind::Limit(LimitKind::Bytes(n)) => {
                write!(f, "body is larger than the limit of {n} bytes")
            }
            OpsErrorKind::Limit(LimitKind::Depth(n)) => {
                write!(f, "nesting is deeper than the limit of {n} levels")
            }
            OpsErrorKind::Limit(LimitKind::Items(n)) => {
                write!(f, "envelope has more than the limit of {n} items")
            }
        }
    }
}
