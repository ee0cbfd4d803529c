//! The comparison of a real OpenSRS reply with opsd's: the outcome
//! (`response_code`, `is_success`), the set of keys at every level, and the form
//! of every value (integer, decimal, epoch, 0/1, date and time, date, text, empty,
//! list, assoc). Values themselves are not compared: a sandbox answers with its own
//! names, ids and dates, in the real server's shapes.
//!
//! The elements of a list are compared as one merged shape (a real list of 239
//! domains and a sandbox list of one have the same shape when their elements do).

use std::collections::{BTreeMap, BTreeSet};

use crate::ops::Value;

/// The form of a scalar value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Form {
    Empty,
    /// `0` or `1`.
    Flag,
    Integer,
    Decimal,
    /// Seconds since 1970, between 1990 and 2100.
    Epoch,
    /// `YYYY-MM-DD HH:MM:SS`.
    DateTime,
    /// `YYYY-MM-DD`.
    Date,
    Text,
}

impl Form {
    pub fn of(s: &str) -> Form {
        let s = s.trim();
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if s.is_empty() {
            Form::Empty
        } else if s == "0" || s == "1" {
            Form::Flag
        } else if digits(s) {
            match s.parse::<i64>() {
                Ok(n) if s.len() >= 9 && (631_152_000..=4_102_444_800).contains(&n) => Form::Epoch,
                _ => Form::Integer,
            }
        } else if let Some((a, b)) = s.split_once('.')
            && digits(a.trim_start_matches('-'))
            && digits(b)
        {
            Form::Decimal
        } else if is_date(s) {
            Form::Date
        } else if s.len() == 19 && is_date(&s[..10]) && is_time(&s[10..]) {
            Form::DateTime
        } else {
            Form::Text
        }
    }

    /// Whether a real value of this form and a sandbox value of `other` agree: the
    /// same form, a 0/1 or an epoch where a number may stand, or text where text
    /// may be empty (an address line, a reason: whether there is one is the
    /// data's, not the form's).
    pub fn agrees(self, other: Form) -> bool {
        use Form::{Empty, Epoch, Flag, Integer, Text};
        self == other
            || matches!(
                (self, other),
                (Flag, Integer)
                    | (Integer, Flag)
                    | (Epoch, Integer)
                    | (Integer, Epoch)
                    | (Empty, Text)
                    | (Text, Empty)
            )
    }

    pub fn name(self) -> &'static str {
        match self {
            Form::Empty => "empty",
            Form::Flag => "0/1",
            Form::Integer => "integer",
            Form::Decimal => "decimal",
            Form::Epoch => "epoch",
            Form::DateTime => "date and time",
            Form::Date => "date",
            Form::Text => "text",
        }
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

fn is_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 9
        && b[0] == b' '
        && b[3] == b':'
        && b[6] == b':'
        && b.iter()
            .enumerate()
            .all(|(i, c)| matches!(i, 0 | 3 | 6) || c.is_ascii_digit())
}

/// The shape of a value: its forms, keys and elements, merged over the elements
/// of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    Scalar(BTreeSet<Form>),
    Assoc(BTreeMap<String, Shape>),
    /// The merged shape of the elements; `None` for an empty list.
    List(Option<Box<Shape>>),
}

impl Shape {
    /// The shape of `v`, its keys renamed by `names` (a domain used as a key).
    pub fn of(v: &Value, names: &dyn Fn(&str) -> String) -> Shape {
        match v {
            Value::Scalar(s) => Shape::Scalar(BTreeSet::from([Form::of(s)])),
            Value::Map(m) => Shape::Assoc(
                m.iter()
                    .map(|(k, v)| (names(k), Shape::of(v, names)))
                    .collect(),
            ),
            Value::List(l) => Shape::List(
                l.iter()
                    .map(|v| Shape::of(v, names))
                    .reduce(Shape::merge)
                    .map(Box::new),
            ),
        }
    }

    /// One shape standing for both (list elements).
    fn merge(self, other: Shape) -> Shape {
        match (self, other) {
            (Shape::Scalar(mut a), Shape::Scalar(b)) => {
                a.extend(b);
                Shape::Scalar(a)
            }
            (Shape::Assoc(mut a), Shape::Assoc(b)) => {
                for (k, v) in b {
                    let merged = match a.remove(&k) {
                        Some(old) => old.merge(v),
                        None => v,
                    };
                    a.insert(k, merged);
                }
                Shape::Assoc(a)
            }
            (Shape::List(a), Shape::List(b)) => Shape::List(match (a, b) {
                (Some(a), Some(b)) => Some(Box::new(a.merge(*b))),
                (a, b) => a.or(b),
            }),
            // Elements of different kinds: the first stands (the comparison reports
            // what the other side lacks).
            (a, _) => a,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Shape::Scalar(_) => "a scalar",
            Shape::Assoc(_) => "a dt_assoc",
            Shape::List(_) => "a dt_array",
        }
    }
}

/// One way opsd's reply differs from the real one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Difference {
    /// Where: `attributes.contact_set.owner.phone`; list elements as `[]`.
    pub path: String,
    pub kind: DifferenceKind,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum DifferenceKind {
    /// Another `response_code` or `is_success`.
    Outcome { real: String, ours: String },
    /// A key the real reply has and opsd's lacks.
    Missing,
    /// A key opsd's reply has and the real one lacks.
    Extra,
    /// The value's form differs (or its kind: scalar, assoc, list).
    Form { real: String, ours: String },
    /// A reply that is not an OPS envelope opsd's reader can read.
    Unreadable { which: &'static str, why: String },
}

impl DifferenceKind {
    /// The word the deliberate-differences file uses for it.
    pub fn word(&self) -> &'static str {
        match self {
            DifferenceKind::Outcome { .. } => "outcome",
            DifferenceKind::Missing => "missing",
            DifferenceKind::Extra => "extra",
            DifferenceKind::Form { .. } => "form",
            DifferenceKind::Unreadable { .. } => "unreadable",
        }
    }
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.path.is_empty() {
            "(top)"
        } else {
            &self.path
        };
        match &self.kind {
            DifferenceKind::Outcome { real, ours } => {
                write!(f, "{at}: outcome real {real}, opsd {ours}")
            }
            DifferenceKind::Missing => write!(f, "{at}: missing (the real reply has it)"),
            DifferenceKind::Extra => write!(f, "{at}: extra (the real reply has none)"),
            DifferenceKind::Form { real, ours } => {
                write!(f, "{at}: form real {real}, opsd {ours}")
            }
            DifferenceKind::Unreadable { which, why } => {
                write!(f, "{at}: the {which} reply cannot be read: {why}")
            }
        }
    }
}

fn forms(set: &BTreeSet<Form>) -> String {
    set.iter().map(|f| f.name()).collect::<Vec<_>>().join("|")
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The differences of `ours` from `real`, below `path`.
pub fn differences(real: &Shape, ours: &Shape, path: &str, out: &mut Vec<Difference>) {
    match (real, ours) {
        (Shape::Scalar(r), Shape::Scalar(o)) => {
            if !r.iter().any(|rf| o.iter().any(|of| rf.agrees(*of))) {
                out.push(Difference {
                    path: path.to_string(),
                    kind: DifferenceKind::Form {
                        real: forms(r),
                        ours: forms(o),
                    },
                });
            }
        }
        (Shape::Assoc(r), Shape::Assoc(o)) => {
            for (k, rv) in r {
                match o.get(k) {
                    Some(ov) => differences(rv, ov, &join(path, k), out),
                    None => out.push(Difference {
                        path: join(path, k),
                        kind: DifferenceKind::Missing,
                    }),
                }
            }
            for k in o.keys().filter(|k| !r.contains_key(*k)) {
                out.push(Difference {
                    path: join(path, k),
                    kind: DifferenceKind::Extra,
                });
            }
        }
        (Shape::List(r), Shape::List(o)) => {
            if let (Some(r), Some(o)) = (r, o) {
                differences(r, o, &format!("{path}[]"), out);
            }
        }
        // An empty value where the other side has a structure: OpenSRS writes an
        // empty list or assoc as an empty item at times.
        (Shape::Scalar(r), _) if r.iter().all(|f| *f == Form::Empty) => {}
        (_, Shape::Scalar(o)) if o.iter().all(|f| *f == Form::Empty) => {}
        (r, o) => out.push(Difference {
            path: path.to_string(),
            kind: DifferenceKind::Form {
                real: r.kind().into(),
                ours: o.kind().into(),
            },
        }),
    }
}

/// Every key path of a shape (`attributes.status`, list elements as `[]`).
pub fn paths(shape: &Shape, path: &str, out: &mut BTreeSet<String>) {
    match shape {
        Shape::Scalar(_) | Shape::List(None) => {}
        Shape::Assoc(m) => {
            for (k, v) in m {
                let p = join(path, k);
                paths(v, &p, out);
                out.insert(p);
            }
        }
        Shape::List(Some(e)) => paths(e, &format!("{path}[]"), out),
    }
}

/// The top-level `response_code` and `is_success` of a reply.
pub fn outcome(v: &Value) -> (String, String) {
    let get = |k: &str| {
        v.as_map()
            .and_then(|m| m.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim()
            .to_string()
    };
    (get("response_code"), get("is_success"))
}

/// Every difference of `ours` from `real` (both read from their envelopes), keys
/// of `real` renamed by `names`.
pub fn compare(real: &Value, ours: &Value, names: &dyn Fn(&str) -> String) -> Vec<Difference> {
    let mut out = Vec::new();
    let (rc, rs) = outcome(real);
    let (oc, os) = outcome(ours);
    if (rc.as_str(), rs.as_str()) != (oc.as_str(), os.as_str()) {
        out.push(Difference {
            path: String::new(),
            kind: DifferenceKind::Outcome {
                real: format!("{rc}/{rs}"),
                ours: format!("{oc}/{os}"),
            },
        });
    }
    differences(
        &Shape::of(real, names),
        &Shape::of(ours, &|k: &str| k.to_string()),
        "",
        &mut out,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_of_values() {
        let f = Form::of;
        assert_eq!(f(""), Form::Empty);
        assert_eq!(f("1"), Form::Flag);
        assert_eq!(f("239"), Form::Integer);
        assert_eq!(f("1302209138"), Form::Epoch);
        assert_eq!(f("10.00"), Form::Decimal);
        assert_eq!(f("2012-04-07 20:45:46"), Form::DateTime);
        assert_eq!(f("2012-04-07"), Form::Date);
        assert_eq!(f("07-APR-2011 16:45:46"), Form::Text);
        assert_eq!(f("None"), Form::Text);
        assert!(Form::Flag.agrees(Form::Integer));
        assert!(!Form::Decimal.agrees(Form::Integer));
    }

    fn read(xml: &str) -> Value {
        let body =
            format!("<OPS_envelope><body><data_block>{xml}</data_block></body></OPS_envelope>");
        crate::ops::read(body.as_bytes(), &crate::ops::Limits::default())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn keys_forms_and_outcomes_are_compared() {
        let real = read(
            r#"<dt_assoc><item key="response_code">211</item><item key="is_success">1</item><item key="attributes"><dt_assoc><item key="status">taken</item><item key="match"></item></dt_assoc></item></dt_assoc>"#,
        );
        let ours = read(
            r#"<dt_assoc><item key="response_code">211</item><item key="is_success">1</item><item key="object">DOMAIN</item><item key="attributes"><dt_assoc><item key="status">taken</item></dt_assoc></item></dt_assoc>"#,
        );
        let d = compare(&real, &ours, &|k: &str| k.to_string());
        let words: Vec<String> = d.iter().map(ToString::to_string).collect();
        assert_eq!(
            words,
            [
                "attributes.match: missing (the real reply has it)",
                "object: extra (the real reply has none)"
            ]
        );
        let ours = read(
            r#"<dt_assoc><item key="response_code">210</item><item key="is_success">1</item></dt_assoc>"#,
        );
        assert!(matches!(
            compare(&real, &ours, &|k: &str| k.to_string())[0].kind,
            DifferenceKind::Outcome { .. }
        ));
    }

    #[test]
    fn list_elements_merge_into_one_shape() {
        let real = read(
            r#"<dt_assoc><item key="l"><dt_array><item key="0"><dt_assoc><item key="a">1</item></dt_assoc></item><item key="1"><dt_assoc><item key="b">x</item></dt_assoc></item></dt_array></item></dt_assoc>"#,
        );
        let ours = read(
            r#"<dt_assoc><item key="l"><dt_array><item key="0"><dt_assoc><item key="a">5</item><item key="b">y</item></dt_assoc></item></dt_array></item></dt_assoc>"#,
        );
        assert!(compare(&real, &ours, &|k: &str| k.to_string()).is_empty());
    }
}
