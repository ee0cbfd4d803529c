//! The SQLite side of [`super`]: binding values to rusqlite and reading them back.

use rusqlite::types::{ToSqlOutput, ValueRef as LiteRef};

use super::{Error, Result, ValueRef};

/// A value bound through rusqlite.
struct Bind<'a>(ValueRef<'a>);

impl rusqlite::ToSql for Bind<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self.0 {
            ValueRef::Null => LiteRef::Null,
            ValueRef::Integer(i) => LiteRef::Integer(i),
            ValueRef::Real(f) => LiteRef::Real(f),
            ValueRef::Text(s) => LiteRef::Text(s.as_bytes()),
            ValueRef::Blob(b) => LiteRef::Blob(b),
        }))
    }
}

fn binds<'v>(values: &'v [ValueRef<'v>]) -> impl Iterator<Item = Bind<'v>> + 'v {
    values.iter().map(|v| Bind(*v))
}

pub(super) fn execute(
    s: &mut rusqlite::CachedStatement<'_>,
    values: &[ValueRef<'_>],
) -> Result<usize> {
    s.execute(rusqlite::params_from_iter(binds(values)))
        .map_err(Error::from_lite)
}

pub(super) fn query<'s>(
    s: &'s mut rusqlite::CachedStatement<'_>,
    values: &[ValueRef<'_>],
) -> Result<rusqlite::Rows<'s>> {
    s.query(rusqlite::params_from_iter(binds(values)))
        .map_err(Error::from_lite)
}

pub(super) fn value(v: LiteRef<'_>) -> ValueRef<'_> {
    match v {
        LiteRef::Null => ValueRef::Null,
        LiteRef::Integer(i) => ValueRef::Integer(i),
        LiteRef::Real(f) => ValueRef::Real(f),
        // SQLite's TEXT is UTF-8 whenever opsd wrote it; anything else is read as a
        // blob, which no text column accepts.
        LiteRef::Text(t) => match std::str::from_utf8(t) {
            Ok(s) => ValueRef::Text(s),
            Err(_) => ValueRef::Blob(t),
        },
        LiteRef::Blob(b) => ValueRef::Blob(b),
    }
}
