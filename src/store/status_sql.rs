//! The status enums in and out of the database, as their strings; an unknown
//! string in the database is a conversion error, never a guess.

use super::sql::{FromValue, ToValue, ValueRef};

use crate::status::{
    AwayDecision, AwayStatus, BulkChangeType, BulkItemStatus, BulkStatus, ClaimDecision,
    DeletionReason, DomainSetting, DomainStatus, InvoiceStatus, JobStatus, MailUserKind, NoteScope,
    OrderHandle, OrderKind, OrderStatus, RegistrantDecision, RegistrantStatus, TaskKind,
    VerificationStatus, WebhookOutcome,
};

macro_rules! sql_status {
    ($($t:ty),+) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> ValueRef<'_> {
                ValueRef::Text(self.as_str())
            }
        }

        impl FromValue for $t {
            fn from_value(value: ValueRef<'_>) -> Result<Self, String> {
                value.as_str()?.parse().map_err(|e| format!("{e}"))
            }
        }
    )+};
}

sql_status!(
    DomainSetting,
    DomainStatus,
    RegistrantStatus,
    JobStatus,
    BulkStatus,
    BulkItemStatus,
    AwayStatus,
    AwayDecision,
    RegistrantDecision,
    OrderKind,
    OrderStatus,
    OrderHandle,
    InvoiceStatus,
    BulkChangeType,
    WebhookOutcome,
    TaskKind,
    NoteScope,
    DeletionReason,
    VerificationStatus,
    ClaimDecision,
    MailUserKind
);
