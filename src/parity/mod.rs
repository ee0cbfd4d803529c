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
//! - [`local`]: a sandbox in this process to replay on (`opsd parity compare`).
//! - [`recorded`]: cases recorded by `opsd record`: written masked, checked before
//!   they join a corpus.

pub mod allowed;
pub mod case;
pub mod local;
pub mod recorded;
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

/// The scenario a case is replayed on, over `base` (the user's own, when given:
/// its `[clock]` wins over the case's).
pub fn scenario_over(case: &Case, base: Option<&str>) -> String {
    let own = replay::scenario(case);
    match base {
        None => own,
        Some(base) => {
            let own = if base.lines().any(|l| l.trim() == "[clock]") {
                // The case's clock table is its first two lines, when it has one.
                own.strip_prefix("[clock]\n")
                    .and_then(|rest| rest.split_once("\n\n").map(|(_, r)| r.to_string()))
                    .unwrap_or(own)
            } else {
                own
            };
            format!("{base}\n\n{own}")
        }
    }
}

/// Replays every case on a fresh sandbox of this process and judges it: the
/// comparison `opsd parity compare` prints.
pub fn compare_all(
    cases: &[Case],
    allowed: &Allowed,
    known: &KnownKeys,
    base: Option<&str>,
) -> Vec<Result<Outcome, String>> {
    cases
        .iter()
        .map(|case| {
            let mut sandbox = local::Local::start(&scenario_over(case, base))
                .map_err(|e| format!("{}: {e}", case.id))?;
            let ours = replay::run(case, &mut sandbox).map_err(|e| format!("{}: {e}", case.id))?;
            Ok(judge(case, &ours, allowed, known))
        })
        .collect()
}

/// A report of [`compare_all`]'s outcomes, per case then per action, as text.
pub fn report(outcomes: &[Result<Outcome, String>]) -> String {
    let mut out = String::new();
    let mut per_action: std::collections::BTreeMap<String, (usize, usize, usize)> =
        std::collections::BTreeMap::new();
    for o in outcomes {
        match o {
            Err(e) => out.push_str(&format!("error  {e}\n")),
            Ok(o) => {
                let entry = per_action.entry(o.action.to_ascii_uppercase()).or_default();
                entry.0 += 1;
                let verdict = if o.differences.is_empty() {
                    entry.1 += 1;
                    "same"
                } else if o.unexpected.is_empty() {
                    entry.1 += 1;
                    "same (deliberate differences)"
                } else {
                    entry.2 += 1;
                    "DIFFERS"
                };
                out.push_str(&format!("{verdict:<6} {}\n", o.case));
                for d in &o.differences {
                    let mark = if o.unexpected.contains(d) {
                        "  !"
                    } else {
                        "  ~"
                    };
                    out.push_str(&format!("{mark} {d}\n"));
                }
            }
        }
    }
    out.push_str("\naction                          cases  same  differ\n");
    for (action, (n, same, differ)) in &per_action {
        out.push_str(&format!("{action:<30} {n:>6} {same:>5} {differ:>7}\n"));
    }
    out
}

/// The outcomes as JSON, for tools.
pub fn report_json(outcomes: &[Result<Outcome, String>]) -> serde_json::Value {
    let cases: Vec<serde_json::Value> = outcomes
        .iter()
        .map(|o| match o {
            Err(e) => serde_json::json!({ "error": e }),
            Ok(o) => serde_json::json!({
                "case": o.case,
                "action": o.action,
                "differences": o.differences.iter().map(|d| serde_json::json!({
                    "path": d.path,
                    "kind": d.kind.word(),
                    "text": d.to_string(),
                    "deliberate": !o.unexpected.contains(d),
                })).collect::<Vec<_>>(),
                "response_text": o.texts.as_ref().map(|(real, ours)| serde_json::json!({"real": real, "opsd": ours})),
            }),
        })
        .collect();
    serde_json::json!({ "cases": cases })
}

/// Whether any outcome has a difference not listed as deliberate (or failed).
pub fn any_unexpected(outcomes: &[Result<Outcome, String>]) -> bool {
    outcomes
        .iter()
        .any(|o| o.as_ref().map_or(true, |o| !o.unexpected.is_empty()))
}
