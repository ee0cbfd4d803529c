//! The statuses opsd's records go through, as enums: compared as values in the code,
//! written to the database and shown to clients as the same lower-case strings as
//! always (`as_str`, `FromStr`, serde). The status view of a job (SIMPLE_TRANSFER_STATUS,
//! up to 10,000 rows) passes the stored strings through to the reply unparsed: it
//! shows them and compares none.

/// Declares a status enum with its strings.
macro_rules! statuses {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            /// Every status, in lifecycle order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The string stored and shown.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownStatus;

            fn from_str(s: &str) -> Result<Self, UnknownStatus> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownStatus(s.to_string())),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

/// A string that names no status of the type read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status '{0}'")]
pub struct UnknownStatus(pub String);

statuses! {
    /// A domain of a SIMPLE_TRANSFER job: pending → failed | processed → cancelled |
    /// pending_registry → completed | failed.
    DomainStatus {
        Pending = "pending",
        Processed = "processed",
        PendingRegistry = "pending_registry",
        Completed = "completed",
        Failed = "failed",
        Cancelled = "cancelled",
    }
}

statuses! {
    /// A registrant asked to approve: pending → completed once it has decided (or
    /// timed out) and none of its domains waits.
    RegistrantStatus {
        Pending = "pending",
        Completed = "completed",
    }
}

statuses! {
    /// A SIMPLE_TRANSFER job: completed once every domain and registrant is final.
    JobStatus {
        Pending = "pending",
        Completed = "completed",
    }
}

statuses! {
    /// A bulk push job.
    BulkStatus {
        Queued = "queued",
        Running = "running",
        Completed = "completed",
        Cancelled = "cancelled",
    }
}

/// A new job is queued.
impl Default for BulkStatus {
    fn default() -> Self {
        BulkStatus::Queued
    }
}

impl BulkStatus {
    /// Whether it has ended (nothing more can be cancelled).
    pub fn is_final(self) -> bool {
        matches!(self, BulkStatus::Completed | BulkStatus::Cancelled)
    }
}

statuses! {
    /// One domain of a bulk push.
    BulkItemStatus {
        Queued = "queued",
        Pushed = "pushed",
        Skipped = "skipped",
        Failed = "failed",
        Cancelled = "cancelled",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_round_trip() {
        for s in DomainStatus::ALL {
            assert_eq!(s.as_str().parse::<DomainStatus>(), Ok(*s));
        }
        for s in BulkItemStatus::ALL {
            assert_eq!(s.to_string().parse::<BulkItemStatus>(), Ok(*s));
        }
        assert_eq!(DomainStatus::PendingRegistry.as_str(), "pending_registry");
        assert!("Pending".parse::<JobStatus>().is_err());
    }
}
