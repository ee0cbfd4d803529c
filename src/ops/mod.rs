//! The OPS codec: the value tree that OPS envelopes carry, a lenient reader and an
//! exact writer. Pure code: no I/O, no tokio, no other project module.
//!
//! Reading follows the real server's tolerance (protocol.md §3); writing reproduces its
//! byte layout (protocol.md §4).

mod envelope;
mod error;
mod reader;
mod writer;

pub use envelope::Envelope;
pub use error::{LimitKind, OpsError, OpsErrorKind};
pub use reader::read;
pub use writer::{write_envelope, write_value};

use indexmap::IndexMap;

/// An ordered map: replies keep the order the handler built them in, so that they can
/// equal the documented examples byte for byte.
pub type Map = IndexMap<String, Value>;

/// One OPS value: `item` text, `dt_assoc` or `dt_array`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Scalar(String),
    Map(Map),
    List(Vec<Value>),
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Scalar(s) => Some(s),
            Value::Map(_) | Value::List(_) => None,
        }
    }

    pub fn as_map(&self) -> Option<&Map> {
        match self {
            Value::Map(m) => Some(m),
            Value::Scalar(_) | Value::List(_) => None,
        }
    }

    /// What kind of value this is, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Scalar(_) => "a scalar",
            Value::Map(_) => "a dt_assoc",
            Value::List(_) => "a dt_array",
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Scalar(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Scalar(s)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Scalar(n.to_string())
    }
}

impl From<Map> for Value {
    fn from(m: Map) -> Self {
        Value::Map(m)
    }
}

impl From<Vec<Value>> for Value {
    fn from(l: Vec<Value>) -> Self {
        Value::List(l)
    }
}

/// Hard limits on what the reader accepts. They belong to the server's configuration;
/// the defaults fit a 10,000-domain SIMPLE_TRANSFER with room to spare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest body in bytes.
    pub max_bytes: usize,
    /// Deepest nesting of `dt_assoc`/`dt_array` containers.
    pub max_depth: usize,
    /// Most `item` elements in one envelope, counted over the whole tree.
    pub max_items: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 16 * 1024 * 1024,
            max_depth: 32,
            max_items: 200_000,
        }
    }
}

