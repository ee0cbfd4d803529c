//! Small requests already decoded, by their exact bytes.
//!
//! Clients poll: the PHP toolkit sends the same SIMPLE_TRANSFER_STATUS envelope, byte
//! for byte, until the job is done. Decoding (XML reader, value tree, typed action)
//! was 3.8 µs of a 6.9 µs status request measured in process, and about half of a
//! request's own CPU under load; a hit here costs a hash of the body. Only the
//! decoding is kept: every request is still authenticated and handled afresh.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use super::{Action, ApiError};

/// Larger bodies are decoded every time (and are rarely sent twice).
const MAX_BODY: usize = 4 * 1024;
/// When this many are kept, they are all dropped.
const MAX_ENTRIES: usize = 1024;

/// What decoding gave: the action, and the request's heading.
pub type Decoded = (Action, Heading);

/// What a request says besides its action: its object (echoed in the reply),
/// and the sub-reseller it acts for (`as_subreseller`, any command).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Heading {
    pub object: String,
    pub as_subreseller: Option<String>,
}

#[derive(Debug, Default)]
pub struct DecodeMemo {
    entries: Mutex<HashMap<Box<[u8]>, Decoded>>,
}

impl DecodeMemo {
    /// `decode(body)`, or what it gave for the same bytes before. `decode` returns
    /// the object beside the action's result so that a refused action is still
    /// answered with it; only polls ([`Action::is_poll`]) are kept.
    pub fn decode(
        &self,
        body: &[u8],
        decode: impl FnOnce() -> Result<(Result<Action, ApiError>, Heading), ApiError>,
    ) -> Result<(Result<Action, ApiError>, Heading), ApiError> {
        if body.len() > MAX_BODY {
            return decode();
        }
        if let Some((action, object)) = self.lock().get(body) {
            return Ok((Ok(action.clone()), object.clone()));
        }
        let (action, object) = decode()?;
        if let Ok(a) = &action
            && a.is_poll()
        {
            let mut entries = self.lock();
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(body.into(), (a.clone(), object.clone()));
        }
        Ok((action, object))
    }

    /// What the same bytes decoded to before, if they were kept.
    pub fn peek(&self, body: &[u8]) -> Option<Decoded> {
        if body.len() > MAX_BODY {
            return None;
        }
        self.lock().get(body).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Box<[u8]>, Decoded>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::actions::SimpleTransferStatus;

    fn status(job: i64) -> Action {
        Action::new(SimpleTransferStatus { job_id: job })
    }

    #[test]
    fn same_bytes_decode_once_and_failures_are_not_kept() {
        let memo = DecodeMemo::default();
        let calls = std::cell::Cell::new(0);
        let decode = |job| {
            calls.set(calls.get() + 1);
            Ok((
                Ok(status(job)),
                Heading {
                    object: "DOMAIN".into(),
                    as_subreseller: None,
                },
            ))
        };
        for _ in 0..3 {
            let got = memo.decode(b"a", || decode(1));
            assert!(matches!(got, Ok((Ok(a), _)) if a == status(1)));
        }
        assert_eq!(calls.get(), 1);
        let other = memo.decode(b"b", || decode(2));
        assert!(
            matches!(other, Ok((Ok(a), _)) if a == status(2)),
            "other bytes"
        );
        for _ in 0..2 {
            let refused = memo.decode(b"c", || {
                calls.set(calls.get() + 1);
                Ok((
                    Err(ApiError::Missing("x".into())),
                    Heading {
                        object: "DOMAIN".into(),
                        as_subreseller: None,
                    },
                ))
            });
            assert!(matches!(refused, Ok((Err(_), o)) if o.object == "DOMAIN"));
        }
        assert_eq!(calls.get(), 4, "refusals are decoded each time");
        let big = vec![b' '; MAX_BODY + 1];
        let _ = memo.decode(&big, || decode(3));
        let _ = memo.decode(&big, || decode(3));
        assert_eq!(calls.get(), 6, "large bodies are not kept");
        let ack = || {
            Ok((
                Ok(Action::new(crate::api::actions::EventAck {
                    event_id: "e".into(),
                })),
                Heading::default(),
            ))
        };
        let _ = memo.decode(b"ack", ack);
        assert!(
            memo.lock().get(&b"ack"[..]).is_none(),
            "only polls are kept"
        );
    }

    #[test]
    fn bounded() {
        let memo = DecodeMemo::default();
        for i in 0..(3 * MAX_ENTRIES) {
            let _ = memo.decode(i.to_string().as_bytes(), || {
                Ok((Ok(status(i as i64)), Heading::default()))
            });
        }
        assert!(memo.lock().len() <= MAX_ENTRIES);
    }
}
