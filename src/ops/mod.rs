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
pub use writer::{Fragment, ItemWriter, write_envelope, write_value};

use indexmap::IndexMap;

/// Text in the tree: keys and scalars. Short ones (up to 23 bytes: item keys, domain
/// names, most auth codes) are stored inline, so a 10,000-domain request does not
/// allocate for each of its 40,000 strings.
pub type Text = smol_str::SmolStr;

/// An ordered map: replies keep the order the handler built them in, so that they can
/// equal the documented examples byte for byte.
pub type Map = IndexMap<Text, Value>;

/// One OPS value: `item` text, `dt_assoc` or `dt_array`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Scalar(Text),
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

    /// As JSON: maps as objects, arrays as arrays, scalars as strings (how values
    /// sent in a request, such as `tld_data`, are kept).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Scalar(s) => serde_json::Value::String(s.to_string()),
            Value::Map(m) => serde_json::Value::Object(
                m.iter()
                    .map(|(k, v)| (k.to_string(), v.to_json()))
                    .collect(),
            ),
            Value::List(l) => serde_json::Value::Array(l.iter().map(Value::to_json).collect()),
        }
    }

    /// Kept JSON as a value again (numbers and booleans as their text).
    pub fn from_json(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Object(m) => Value::Map(
                m.iter()
                    .map(|(k, v)| (k.as_str().into(), Value::from_json(v)))
                    .collect(),
            ),
            serde_json::Value::Array(l) => Value::List(l.iter().map(Value::from_json).collect()),
            serde_json::Value::String(s) => Value::from(s.as_str()),
            other => Value::from(other.to_string()),
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
        Value::Scalar(Text::new(s))
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Scalar(Text::from(s))
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Scalar(smol_str::format_smolstr!("{n}"))
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
///
/// The item limit follows the 10,000-domain rule: a domain of a SIMPLE_TRANSFER list
/// is three items (its list entry, `domain_name`, `auth_info`); four are allowed, and
/// a thousand more for the rest of the envelope. An envelope of many more domains is
/// refused by the reader before it is all read, rather than parsed and then refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest body in bytes.
    pub max_bytes: usize,
    /// Deepest nesting of `dt_assoc`/`dt_array` containers.
    pub max_depth: usize,
    /// Most `item` elements in one envelope, counted over the whole tree.
    pub max_items: usize,
}

/// Items allowed in one envelope by default (see [`Limits`]).
pub const DEFAULT_MAX_ITEMS: usize = 10_000 * 4 + 1_000;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 16 * 1024 * 1024,
            max_depth: 32,
            max_items: DEFAULT_MAX_ITEMS,
        }
    }
}

#[cfg(test)]
mod proptests {
    //! read(write(v)) == v for random trees; random mutations of real envelopes never
    //! panic. Fuzz finds worth keeping go to `tests/limits.rs` as plain cases.

    use super::*;
    use proptest::prelude::*;

    /// Text without the control characters the writer drops by design.
    fn text() -> impl Strategy<Value = String> {
        proptest::string::string_regex(
            "[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\u{fffe}\\u{ffff}]{0,12}",
        )
        .expect("valid regex")
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = text().prop_map(Value::from);
        leaf.prop_recursive(5, 64, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::List),
                proptest::collection::vec((text(), inner), 0..6).prop_map(|pairs| Value::Map(
                    pairs.into_iter().map(|(k, v)| (k.into(), v)).collect()
                )),
            ]
        })
    }

    fn top() -> impl Strategy<Value = Map> {
        proptest::collection::vec((text(), value()), 0..6)
            .prop_map(|pairs| pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    proptest! {
        #[test]
        fn read_of_write_is_identity(m in top()) {
            let bytes = write_envelope(&m);
            let back = read(&bytes, &Limits::default());
            prop_assert_eq!(back, Ok(Value::Map(m)));
        }

        #[test]
        fn mutated_envelopes_never_panic(
            which in 0usize..3,
            muts in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>(), 0u8..4), 1..16),
        ) {
            let seeds: [&[u8]; 3] = [
                include_bytes!("../../fixtures/seed/simple_transfer.request.004.xml"),
                include_bytes!("../../fixtures/seed/simple_transfer_status.reply.xml"),
                include_bytes!("../../fixtures/clients/py-opensrs-0.1.4/simple_transfer.non-ascii.http"),
            ];
            let mut body = seeds[which].to_vec();
            for (at, byte, op) in muts {
                let i = at.index(body.len().max(1));
                match op {
                    0 if !body.is_empty() => body[i] = byte,
                    1 => body.insert(i.min(body.len()), byte),
                    2 if !body.is_empty() => { body.remove(i); }
                    _ => body.truncate(i),
                }
            }
            let limits = Limits { max_bytes: 1 << 20, max_depth: 8, max_items: 500 };
            if let Err(e) = read(&body, &limits) {
                prop_assert!(e.pos <= body.len() as u64 + 1, "position {} past the end {}", e.pos, body.len());
            }
        }
    }
}
