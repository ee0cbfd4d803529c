//! The registry side of a transfer, behind a trait: the check analysis makes (auth
//! code, locks, dates, the TLD's policies) and the transfer itself. The sandbox world
//! implements it; an EPP connector would be another implementation.

/// Facts about a domain held at another registrar, as the registry reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    /// Whether the auth code given matches.
    pub auth_ok: bool,
    /// `clientTransferProhibited` or a registry lock.
    pub locked: bool,
    /// Unix seconds of registration and of the last transfer, when known.
    pub registered_at: Option<i64>,
    pub transferred_at: Option<i64>,
    /// The TLD accepts orders with F_BYPASS_CONFIRM.
    pub bypass_allowed: bool,
    /// The registry mails the registrant itself (no bulk approval possible).
    pub registry_confirms: bool,
    /// Days the registry takes to complete an accepted transfer.
    pub pending_days: i64,
    /// When the registration expires now (Unix seconds), when known.
    pub expires_at: Option<i64>,
}

/// What the registry says when the transfer is requested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferOutcome {
    Completed,
    Rejected(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    #[error("registry unavailable")]
    Unavailable,
    #[error("domain not found at the registry")]
    NotFound,
    /// The registry does not take transfers of this TLD from us (OpenSRS's
    /// `noservice`).
    #[error("no transfer service for this TLD")]
    NoService,
}

/// Whether a name can be registered, as the registry answers a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    Available {
        /// A registry-premium name (priced above the TLD's price).
        premium: bool,
        /// A trademark claim exists (new TLDs in their claims period).
        claim: bool,
        /// .ca: the name is kept for a municipal government.
        municipal: bool,
    },
    /// Registered; `reason` when the registry says more ("Reserved Name").
    Taken { reason: Option<String> },
    /// An asynchronous registry holds a registration that is not finished.
    Waiting,
}

pub trait Registry: Send + Sync + std::fmt::Debug {
    /// Whether `domain` is free to register (LOOKUP, NAME_SUGGEST, SW_REGISTER new).
    fn availability(&self, domain: &str) -> Result<Availability, RegistryError>;
    /// The analysis check for `domain` with the auth code the reseller gave.
    fn check(&self, domain: &str, auth_info: &str) -> Result<Holding, RegistryError>;
    /// Requests (and, for the sandbox, settles) the transfer.
    fn transfer(&self, domain: &str, auth_info: &str) -> Result<TransferOutcome, RegistryError>;
}
