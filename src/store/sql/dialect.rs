//! SQLite's dialect, as the store writes it, in PostgreSQL's: `?N` parameters as
//! `$N`, and the few SQLite spellings the store uses that PostgreSQL spells
//! otherwise. Done once per statement text (the result is prepared and kept), so
//! it is a plain scan rather than a parser: string literals and quoted names are
//! copied untouched, and everything it rewrites is listed here.

/// A statement in PostgreSQL's dialect.
#[derive(Debug, PartialEq, Eq)]
pub struct Translated {
    pub text: String,
    /// The table of an INSERT, which then returns its `id` unless `returning`.
    pub insert_into: Option<String>,
    pub returning: bool,
}

/// Words rewritten wherever they stand outside literals (matched without case,
/// on word boundaries).
const WORDS: &[(&str, &str)] = &[
    ("IFNULL", "COALESCE"),
    // string_agg takes text only; every use in the store aggregates text.
    ("GROUP_CONCAT", "string_agg"),
    ("CHAR", "chr"),
    // SQLite's LIKE ignores ASCII case; the store relies on that.
    ("LIKE", "ILIKE"),
];

pub fn to_postgres(sql: &str) -> Translated {
    let mut out = String::with_capacity(sql.len() + 32);
    let mut chars = sql.char_indices().peekable();
    let mut next_param = 1;
    let mut words: Vec<String> = Vec::new();
    while let Some((at, c)) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                for (_, d) in chars.by_ref() {
                    out.push(d);
                    if d == c {
                        break;
                    }
                }
            }
            '?' => {
                let mut digits = String::new();
                while let Some(&(_, d)) = chars.peek() {
                    if !d.is_ascii_digit() {
                        break;
                    }
                    digits.push(d);
                    chars.next();
                }
                let n = if digits.is_empty() {
                    next_param
                } else {
                    digits.parse().unwrap_or(next_param)
                };
                next_param = next_param.max(n + 1);
                out.push('$');
                out.push_str(&n.to_string());
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let mut end = at + c.len_utf8();
                while let Some(&(i, d)) = chars.peek() {
                    if !(d.is_ascii_alphanumeric() || d == '_') {
                        break;
                    }
                    end = i + d.len_utf8();
                    chars.next();
                }
                let word = &sql[at..end];
                match WORDS.iter().find(|(w, _)| w.eq_ignore_ascii_case(word)) {
                    Some((_, to)) => out.push_str(to),
                    // SQLite's max(a, b) is the greater of its arguments; PostgreSQL's
                    // max is only the aggregate.
                    None if word.eq_ignore_ascii_case("max") && several_arguments(&sql[end..]) => {
                        out.push_str("GREATEST");
                    }
                    None if word.eq_ignore_ascii_case("min") && several_arguments(&sql[end..]) => {
                        out.push_str("LEAST");
                    }
                    None => out.push_str(word),
                }
                words.push(word.to_ascii_uppercase());
            }
            c => out.push(c),
        }
    }
    let is = |i: usize, w: &str| words.get(i).is_some_and(|x| x == w);
    let mut insert_into = None;
    if is(0, "INSERT") {
        let (or_ignore, table_at) = if is(1, "OR") && is(2, "IGNORE") {
            (true, 4)
        } else {
            (false, 2)
        };
        if or_ignore {
            // "INSERT OR IGNORE INTO" → "INSERT INTO … ON CONFLICT DO NOTHING".
            if let Some(start) = find_word(&out, "OR") {
                let after = find_word(&out[start..], "INTO").map_or(start, |i| start + i);
                out.replace_range(start..after, "");
            }
        }
        insert_into = table_name(sql, table_at);
        if or_ignore {
            match find_word(&out, "RETURNING") {
                Some(r) => out.insert_str(r, "ON CONFLICT DO NOTHING "),
                None => out.push_str(" ON CONFLICT DO NOTHING"),
            }
        }
    }
    let returning = words.iter().any(|w| w == "RETURNING");
    Translated {
        text: out.trim_end().trim_end_matches(';').to_owned(),
        insert_into,
        returning,
    }
}

/// Whether `rest` starts with a parenthesised list of more than one argument.
fn several_arguments(rest: &str) -> bool {
    let rest = rest.trim_start();
    if !rest.starts_with('(') {
        return false;
    }
    let mut depth = 0;
    let mut quote = None;
    for b in rest.bytes() {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'\'' | b'"' => quote = Some(b),
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return false;
                    }
                }
                b',' if depth == 1 => return true,
                _ => {}
            },
        }
    }
    false
}

/// The `n`th word of `sql` (as a lower-case table name).
fn table_name(sql: &str, n: usize) -> Option<String> {
    sql.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .nth(n)
        .map(str::to_ascii_lowercase)
}

/// Where `word` first stands as a whole word (any case) outside literals.
fn find_word(s: &str, word: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut quote = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'\'' || b == b'"' => quote = Some(b),
            None => {
                let boundary_before = i == 0 || !is_word(bytes[i - 1]);
                let end = i + word.len();
                if boundary_before
                    && end <= bytes.len()
                    && s[i..end].eq_ignore_ascii_case(word)
                    && (end == bytes.len() || !is_word(bytes[end]))
                {
                    return Some(i);
                }
            }
        }
        i += 1;
    }
    None
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::to_postgres;

    #[test]
    fn parameters_become_dollars_outside_literals() {
        let t = to_postgres("SELECT a FROM t WHERE b = ?1 AND c = '?2' AND d = ?2 OR e = ?");
        assert_eq!(
            t.text,
            "SELECT a FROM t WHERE b = $1 AND c = '?2' AND d = $2 OR e = $3"
        );
        assert_eq!(t.insert_into, None);
    }

    #[test]
    fn insert_or_ignore_becomes_on_conflict() {
        let t = to_postgres("INSERT OR IGNORE INTO push_allow (a, b) VALUES (?1, ?2)");
        assert_eq!(
            t.text,
            "INSERT INTO push_allow (a, b) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        );
        assert_eq!(t.insert_into.as_deref(), Some("push_allow"));
        let t = to_postgres("INSERT OR IGNORE INTO x (a) VALUES (?1) RETURNING a");
        assert_eq!(
            t.text,
            "INSERT INTO x (a) VALUES ($1) ON CONFLICT DO NOTHING RETURNING a"
        );
        assert!(t.returning);
    }

    #[test]
    fn sqlite_words_are_renamed() {
        let t =
            to_postgres("SELECT ifnull(group_concat(name, char(31)), '') FROM t WHERE n LIKE ?1");
        assert_eq!(
            t.text,
            "SELECT COALESCE(string_agg(name, chr(31)), '') FROM t WHERE n ILIKE $1"
        );
        let t = to_postgres("SELECT min(max(a, coalesce(b, a))), max(c) FROM t");
        assert_eq!(
            t.text,
            "SELECT min(GREATEST(a, coalesce(b, a))), max(c) FROM t"
        );
        let t = to_postgres("SELECT 'ifnull LIKE' FROM t");
        assert_eq!(
            t.text, "SELECT 'ifnull LIKE' FROM t",
            "literals are left alone"
        );
    }
}
