//! The one translation between the two backends' SQL: the store writes each
//! query once, in the SQL both SQLite and PostgreSQL run (`ON CONFLICT`,
//! `RETURNING`, `string_agg`, `coalesce`, `CASE` rather than either's own
//! spellings), with `?N` parameters; PostgreSQL numbers its parameters `$N`. Done
//! once per statement text (the result is prepared and kept), so it is a plain
//! scan rather than a parser: string literals and quoted names are copied
//! untouched.
//!
//! Nothing else is rewritten. The behaviours the two engines differ on are
//! written out in the query where they matter: `LIKE` compares case on
//! PostgreSQL and not on SQLite for ASCII, so a case-blind match lowers its
//! pattern against the lower-case names stored (`name LIKE lower(?2)`); a sum of
//! integers is numeric on PostgreSQL, so one compared with a parameter is cast
//! (`CAST(… AS BIGINT)`).

/// A statement in PostgreSQL's parameter style: `?N` (or a bare `?`, numbered
/// after the highest so far) becomes `$N`.
pub fn to_postgres(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut chars = sql.chars().peekable();
    let mut next_param = 1;
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == c {
                        break;
                    }
                }
            }
            '?' => {
                let mut digits = String::new();
                while let Some(&d) = chars.peek() {
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
            c => out.push(c),
        }
    }
    out.trim_end().trim_end_matches(';').to_owned()
}

#[cfg(test)]
mod tests {
    use super::to_postgres;

    #[test]
    fn parameters_become_dollars_outside_literals() {
        assert_eq!(
            to_postgres("SELECT a FROM t WHERE b = ?1 AND c = '?2' AND d = ?2 OR e = ?"),
            "SELECT a FROM t WHERE b = $1 AND c = '?2' AND d = $2 OR e = $3"
        );
    }

    #[test]
    fn everything_else_is_left_as_written() {
        let sql = "INSERT INTO x (a) VALUES (?1) ON CONFLICT DO NOTHING RETURNING id";
        assert_eq!(
            to_postgres(sql),
            "INSERT INTO x (a) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id"
        );
        assert_eq!(
            to_postgres("SELECT string_agg(n, ', ') FROM t WHERE n LIKE 'a?%';"),
            "SELECT string_agg(n, ', ') FROM t WHERE n LIKE 'a?%'"
        );
    }
}
