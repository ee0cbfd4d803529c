//! A read view of a decoded request: protocol, action, object and attributes.

use super::{Limits, Map, OpsError, OpsErrorKind, Value, read};

/// The top `dt_assoc` of a request. Extra top-level items (`cookie`, `registrant_ip`,
/// the PHP toolkit's `data`) stay reachable through [`Envelope::top`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    top: Map,
}

impl Envelope {
    /// Decodes a request body.
    pub fn parse(body: &[u8], limits: &Limits) -> Result<Envelope, OpsError> {
        match read(body, limits)? {
            Value::Map(top) => Ok(Envelope { top }),
            other => Err(OpsError {
                kind: OpsErrorKind::Structure(format!(
                    "data_block holds {}, expected a dt_assoc",
                    other.kind()
                )),
                pos: 0,
            }),
        }
    }

    pub fn from_map(top: Map) -> Envelope {
        Envelope { top }
    }

    fn scalar(&self, key: &str) -> &str {
        self.top
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim()
    }

    pub fn protocol(&self) -> &str {
        self.scalar("protocol")
    }

    pub fn action(&self) -> &str {
        self.scalar("action")
    }

    pub fn object(&self) -> &str {
        self.scalar("object")
    }

    /// The `attributes` item as it arrived (absent, or of any shape).
    pub fn attributes(&self) -> Option<&Value> {
        self.top.get("attributes")
    }

    pub fn top(&self) -> &Map {
        &self.top
    }
}
