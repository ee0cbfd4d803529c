//! A cursor over a request's attributes. Accessors return `ApiError::Missing` or
//! `ApiError::Invalid` naming the field (with its path, e.g. `domain_list[3].auth_info`),
//! so codes 460/465 name the field in one place.

use std::borrow::Cow;

use crate::ops::{Map, Value};

use super::error::ApiError;

static EMPTY: std::sync::LazyLock<Map> = std::sync::LazyLock::new(Map::new);

#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    map: &'a Map,
    prefix: Option<(&'a str, usize)>,
}

impl<'a> Fields<'a> {
    pub fn new(map: &'a Map) -> Self {
        Fields { map, prefix: None }
    }

    /// The attributes of a request: absent or empty means no attributes.
    pub fn attributes(v: Option<&'a Value>) -> Result<Self, ApiError> {
        match v {
            None => Ok(Fields::new(&EMPTY)),
            Some(Value::Map(m)) => Ok(Fields::new(m)),
            Some(Value::Scalar(s)) if s.trim().is_empty() => Ok(Fields::new(&EMPTY)),
            Some(other) => Err(ApiError::invalid(
                "attributes",
                format!("expected a dt_assoc, got {}", other.kind()),
            )),
        }
    }

    /// Fields of item `index` of list `list`, named `list[index].field` in errors.
    pub fn item(list: &'a str, index: usize, v: &'a Value) -> Result<Self, ApiError> {
        match v {
            Value::Map(m) => Ok(Fields {
                map: m,
                prefix: Some((list, index)),
            }),
            other => Err(ApiError::invalid(
                format!("{list}[{index}]"),
                format!("expected a dt_assoc, got {}", other.kind()),
            )),
        }
    }

    /// The full name of `key` as errors show it.
    pub fn name(&self, key: &str) -> String {
        match self.prefix {
            Some((list, i)) => format!("{list}[{i}].{key}"),
            None => key.to_string(),
        }
    }

    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    /// A scalar, or `None` when absent or blank.
    pub fn opt_str(&self, key: &str) -> Result<Option<&'a str>, ApiError> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::Scalar(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::Scalar(s)) => Ok(Some(s)),
            // PHP sends an empty array as `<dt_assoc/>`; treat it as not given.
            Some(Value::Map(m)) if m.is_empty() => Ok(None),
            Some(Value::List(l)) if l.is_empty() => Ok(None),
            Some(other) => {
                Err(self.invalid(key, &format!("expected a scalar, got {}", other.kind())))
            }
        }
    }

    pub fn req_str(&self, key: &str) -> Result<&'a str, ApiError> {
        self.opt_str(key)?
            .ok_or_else(|| ApiError::Missing(self.name(key)))
    }

    /// A whole number given as digits.
    pub fn req_id(&self, key: &str) -> Result<i64, ApiError> {
        let s = self.req_str(key)?.trim();
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.invalid(key, "expected digits"));
        }
        s.parse().map_err(|_| self.invalid(key, "number too large"))
    }

    /// `1`/`0` style flags; absent or blank is `false`.
    pub fn opt_flag(&self, key: &str) -> Result<bool, ApiError> {
        match self.opt_str(key)?.map(str::trim) {
            None => Ok(false),
            Some("1" | "true" | "TRUE" | "True" | "yes" | "Y" | "y") => Ok(true),
            Some("0" | "false" | "FALSE" | "False" | "no" | "N" | "n") => Ok(false),
            Some(_) => Err(self.invalid(key, "expected 1 or 0")),
        }
    }

    /// A list, or `None` when absent or blank. Accepts a `dt_assoc` with keys
    /// `0..n` as a list too (some PHP encoders send arrays that way).
    pub fn opt_list(&self, key: &str) -> Result<Option<Cow<'a, [Value]>>, ApiError> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::Scalar(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::List(l)) => Ok(Some(Cow::Borrowed(l))),
            Some(Value::Map(m)) if m.is_empty() => Ok(Some(Cow::Owned(Vec::new()))),
            Some(Value::Map(m)) => match list_from_numbered_map(m) {
                Some(l) => Ok(Some(Cow::Owned(l))),
                None => Err(self.invalid(key, "expected a dt_array, got a dt_assoc")),
            },
            Some(Value::Scalar(_)) => Err(self.invalid(key, "expected a dt_array, got a scalar")),
        }
    }

    /// `page` (from 1, default 1) and `limit` (1 to `max`, default `default`), as
    /// the list actions take them.
    pub fn paging(&self, default: i64, max: i64) -> Result<(i64, i64), ApiError> {
        let number = |key: &str, default: i64| -> Result<i64, ApiError> {
            match self.opt_str(key)? {
                None => Ok(default),
                Some(_) => self.req_id(key),
            }
        };
        let limit = number("limit", default)?;
        if !(1..=max).contains(&limit) {
            return Err(self.invalid("limit", &format!("expected 1 to {max}")));
        }
        let page = number("page", 1)?;
        if page < 1 {
            return Err(self.invalid("page", "pages count from 1"));
        }
        Ok((page, limit))
    }

    /// The first or (with `end`) last second of the `YYYY-MM-DD` day under `key`,
    /// when one is given (the date filters of the list actions).
    pub fn day_bound(&self, key: &str, end: bool) -> Result<Option<i64>, ApiError> {
        let Some(v) = self.opt_str(key)?.map(str::trim) else {
            return Ok(None);
        };
        let day =
            crate::clock::parse_date(v).ok_or_else(|| self.invalid(key, "expected YYYY-MM-DD"))?;
        Ok(Some(if end { day + 86_399 } else { day }))
    }

    pub fn invalid(&self, key: &str, why: &str) -> ApiError {
        ApiError::invalid(self.name(key), why)
    }
}

fn list_from_numbered_map(m: &Map) -> Option<Vec<Value>> {
    let mut items: Vec<(usize, &Value)> = m
        .iter()
        .map(|(k, v)| k.trim().parse::<usize>().ok().map(|i| (i, v)))
        .collect::<Option<_>>()?;
    items.sort_by_key(|(i, _)| *i);
    items
        .iter()
        .enumerate()
        .all(|(pos, (i, _))| pos == *i)
        .then(|| items.into_iter().map(|(_, v)| v.clone()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, Value)]) -> Map {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), v.clone()))
            .collect()
    }

    #[test]
    fn accessors_name_the_field() {
        let m = map(&[
            ("a", "x".into()),
            ("blank", " ".into()),
            ("n", "12".into()),
            ("bad", "1x".into()),
        ]);
        let f = Fields::new(&m);
        assert_eq!(f.req_str("a").ok(), Some("x"));
        assert!(matches!(f.req_str("blank"), Err(ApiError::Missing(n)) if n == "blank"));
        assert_eq!(f.req_id("n").ok(), Some(12));
        assert!(
            matches!(f.req_id("bad"), Err(ApiError::Invalid(t)) if t == "Invalid value for 'bad': expected digits.")
        );
        let item = Value::Map(Map::new());
        let f = Fields::item("domain_list", 3, &item).ok();
        let err = f.map(|f| f.req_str("auth_info"));
        assert!(matches!(err, Some(Err(ApiError::Missing(n))) if n == "domain_list[3].auth_info"));
    }

    #[test]
    fn lists_in_every_shape() {
        let numbered = Value::Map(map(&[("1", "b".into()), ("0", "a".into())]));
        let m = map(&[
            ("l", numbered),
            ("e", Value::Map(Map::new())),
            ("s", "x".into()),
        ]);
        let f = Fields::new(&m);
        assert_eq!(f.opt_list("l").ok().flatten().map(|l| l.len()), Some(2));
        assert_eq!(f.opt_list("e").ok().flatten().map(|l| l.len()), Some(0));
        assert!(f.opt_list("s").is_err());
        assert!(matches!(f.opt_list("none"), Ok(None)));
    }
}
