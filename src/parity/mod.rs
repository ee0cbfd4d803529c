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
    /// The real `response_text` and opsd's, when they differ (reported, not
    /// judged: texts differ between the server's years).
    pub texts: Option<(String, String)>,
}

/// The keys real replies carry, per action and response code, over the whole
/// corpus. OpenSRS's replies to one call differ between years and documents (a
/// 2011 LOOKUP carries `match`, the documentation's `reason`): a key some real
/// reply of the same action and outcome carries is never an extra one. A key the
/// case's own reply carries is always required.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownKeys {
    by: std::collections::HashMap<(String, String), std::collections::BTreeSet<String>>,
}

impl KnownKeys {
    pub fn of(cases: &[Case]) -> KnownKeys {
        let mut k = KnownKeys::default();
        let limits = crate::ops::Limits::default();
        for case in cases {
            let Ok(real) = crate::ops::read(&case.reply, &limits) else {
                continue;
            };
            let code = shape::outcome(&real).0;
            let shape = shape::Shape::of(&real, &|n: &str| case.sandbox_name(n));
            let set = k.by.entry((case.label(), code)).or_default();
            shape::paths(&shape, "", set);
        }
        k
    }

    fn knows(&self, label: &str, code: &str, path: &str) -> bool {
        self.by
            .get(&(label.to_string(), code.to_string()))
            .is_some_and(|s| s.contains(path))
    }
}

/// Compares opsd's `ours` with the case's real reply; the deliberate differences
/// are told apart, and keys other real replies of the action carry are not extra
/// (see [`KnownKeys`]).
pub fn judge(case: &Case, ours: &[u8], allowed: &Allowed, known: &KnownKeys) -> Outcome {
    let limits = crate::ops::Limits::default();
    let unreadable = |which: &'static str, why: String| Difference {
        path: String::new(),
        kind: DifferenceKind::Unreadable { which, why },
    };
    let real = crate::ops::read(&case.reply, &limits);
    let mine = crate::ops::read(ours, &limits);
    let text = |v: &crate::ops::Value| {
        v.as_map()
            .and_then(|m| m.get("response_text"))
            .and_then(crate::ops::Value::as_str)
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    };
    let texts = match (&real, &mine) {
        (Ok(r), Ok(m)) if text(r) != text(m) => Some((text(r), text(m))),
        _ => None,
    };
    let differences = match (real, mine) {
        (Err(e), _) => vec![unreadable("real", e.to_string())],
        (_, Err(e)) => vec![unreadable("opsd", e.to_string())],
        (Ok(real), Ok(mine)) => {
            let code = shape::outcome(&real).0;
            shape::compare(&real, &mine, &|k: &str| case.sandbox_name(k))
                .into_iter()
                .filter(|d| {
                    d.kind != DifferenceKind::Extra || !known.knows(&case.label(), &code, &d.path)
                })
                .collect()
        }
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
        texts,
    }
}
