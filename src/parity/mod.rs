//! Parity with the real OpenSRS (issue 28): a corpus of real replies, each beside
//! the request that produced it and the world it assumes (`fixtures/parity/`, see
//! its README), replayed against a fresh sandbox and compared in shape. The
//! project's parity test and `opsd parity compare` share this one implementation.
//!
//! - [`case`]: a case on disk (`case.toml`, `request.xml`, `reply.xml`).
//! - [`shape`]: the comparison (outcome, keys, value forms).
//! - [`replay`]: the sandbox a case assumes, as a scenario, and the request as
//!   opsd is sent it (names mapped, a real cookie in place of the captured one).
//! - [`allowed`]: the deliberate differences, each with its reason.

pub mod allowed;
pub mod case;
pub mod replay;
pub mod shape;

pub use allowed::Allowed;
pub use case::{Case, CaseError, Setup};
pub use shape::{Difference, DifferenceKind};

/// What replaying one case found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub case: String,
    pub action: String,
    /// Every difference, deliberate ones included.
    pub differences: Vec<Difference>,
    /// Those not listed as deliberate.
    pub unexpected: Vec<Difference>,
}

/// Compares opsd's `ours` with the case's real reply; the deliberate differences
/// are told apart.
pub fn judge(case: &Case, ours: &[u8], allowed: &Allowed) -> Outcome {
    let limits = crate::ops::Limits::default();
    let unreadable = |which: &'static str, why: String| Difference {
        path: String::new(),
        kind: DifferenceKind::Unreadable { which, why },
    };
    let differences = match (
        crate::ops::read(&case.reply, &limits),
        crate::ops::read(ours, &limits),
    ) {
        (Err(e), _) => vec![unreadable("real", e.to_string())],
        (_, Err(e)) => vec![unreadable("opsd", e.to_string())],
        (Ok(real), Ok(mine)) => shape::compare(&real, &mine, &|k: &str| case.sandbox_name(k)),
    };
    let unexpected = differences
        .iter()
        .filter(|d| !allowed.covers(case, d))
        .cloned()
        .collect();
    Outcome {
        case: case.id.clone(),
        action: case.meta.action.clone(),
        differences,
        unexpected,
    }
}
