//! The status enums in and out of SQLite, as their strings; an unknown string in
//! the database is a conversion error, never a guess.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use crate::status::{BulkItemStatus, BulkStatus, DomainStatus, JobStatus, RegistrantStatus};

macro_rules! sql_status {
    ($($t:ty),+) => {$(
        impl ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $t {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                value
                    .as_str()?
                    .parse()
                    .map_err(|e| FromSqlError::Other(Box::new(e)))
            }
        }
    )+};
}

sql_status!(
    DomainStatus,
    RegistrantStatus,
    JobStatus,
    BulkStatus,
    BulkItemStatus
);
