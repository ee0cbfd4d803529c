//! The deliberate differences (`fixtures/parity/DIFFERENCES.md`): where opsd
//! answers otherwise than a real reply on purpose, each with its reason. The file
//! is a Markdown table, one row a difference:
//!
//! `| case | path | kind | reason |`
//!
//! - case: a case id, or `ACTION OBJECT[ variant]` for every case of an action, or
//!   `*` for every case;
//! - path: as the comparison prints it (`attributes.match`, `(top)` for the
//!   outcome), `*` for any;
//! - kind: `missing`, `extra`, `form`, `outcome`, `unreadable`, or `*`.

use std::path::Path;

use super::case::Case;
use super::shape::Difference;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    case: String,
    path: String,
    kind: String,
}

/// The rows of the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowed {
    rows: Vec<Row>,
}

impl Allowed {
    /// Reads the file; a missing file allows nothing.
    pub fn load(path: &Path) -> Result<Allowed, std::io::Error> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(Allowed::parse(&text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Allowed::default()),
            Err(e) => Err(e),
        }
    }

    /// The table's rows (the header, the rule and other lines are passed over).
    pub fn parse(text: &str) -> Allowed {
        let rows = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix('|'))
            .map(|l| {
                l.split('|')
                    .map(|c| c.trim().trim_matches('`').to_string())
                    .collect::<Vec<_>>()
            })
            .filter(|c| c.len() >= 4 && c[0] != "case" && !c[0].starts_with("---"))
            .map(|c| Row {
                case: c[0].clone(),
                path: c[1].clone(),
                kind: c[2].clone(),
            })
            .collect();
        Allowed { rows }
    }

    /// Whether a row lists this difference of this case.
    pub fn covers(&self, case: &Case, d: &Difference) -> bool {
        let path = if d.path.is_empty() { "(top)" } else { &d.path };
        self.rows.iter().any(|r| {
            (r.case == "*" || r.case == case.id || r.case.eq_ignore_ascii_case(&case.label()))
                && (r.path == "*" || r.path == path)
                && (r.kind == "*" || r.kind == d.kind.word())
        })
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}
