//! The deliberate differences (`fixtures/parity/DIFFERENCES.md`): where opsd
//! answers otherwise than a real reply on purpose, each with its reason. The file
//! is a Markdown table, one row a difference:
//!
//! `| case | path | kind | reason |`
//!
//! - case: a case id, or `ACTION OBJECT[ variant]` for every case of an action, or
//!   `*` for every case; several, separated by commas;
//! - path: as the comparison prints it (`attributes.match`, `(top)` for the
//!   outcome), each `*` standing for any run of characters;
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

/// `pattern` with each `*` standing for any run of characters (the wildcard the
/// transfer lists take).
fn glob(pattern: &str, text: &str) -> bool {
    crate::api::actions::orders::wildcard(pattern, text)
}

/// `ACTION OBJECT` matches every variant of it; `ACTION OBJECT variant` one.
fn label_matches(label: &str, row: &str) -> bool {
    let (label, row) = (label.to_ascii_uppercase(), row.to_ascii_uppercase());
    label == row || label.starts_with(&format!("{row} "))
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
            r.case
                .split(',')
                .map(str::trim)
                .any(|c| c == "*" || c == case.id || label_matches(&case.label(), c))
                && glob(&r.path, path)
                && (r.kind == "*" || r.kind == d.kind.word())
        })
    }

    #[cfg(test)]
    fn rows(&self) -> usize {
        self.rows.len()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_and_rows() {
        assert!(glob("*", "a.b"));
        assert!(glob(
            "*.postal_code",
            "attributes.x.com.contact_set.owner.postal_code"
        ));
        assert!(!glob("*.postal_code", "attributes.postal_code_x"));
        assert!(glob("attributes.*.status", "attributes.a.com.status"));
        assert!(glob("(top)", "(top)"));
        let a = Allowed::parse(
            "| case | path | kind | reason |\n|---|---|---|---|\n| LOOKUP DOMAIN | `attributes.price_status` | extra | documented |\n",
        );
        assert_eq!(a.rows(), 1);
    }
}
