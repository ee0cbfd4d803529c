//! Whether a name can be registered: taken when any portfolio holds it or a revoked
//! domain of that name may still be redeemed (`rules::deletion`), else as the
//! registry answers (in the sandbox: the scenario and the name's markers). LOOKUP,
//! NAME_SUGGEST and SW_REGISTER reg_type=new all ask here.

use crate::app::App;
use crate::registry::{Availability, RegistryError};
use crate::store::StoreError;

/// The registry could not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unanswered {
    /// The TLD is not offered.
    NoService,
    /// The registry is down.
    Down,
}

/// The availability of `domain` (a checked, lower-cased name).
pub fn of(app: &App, domain: &str) -> Result<Result<Availability, Unanswered>, StoreError> {
    if app.store.domain_exists(domain)? || app.store.in_redemption(domain, app.now())? {
        return Ok(Ok(Availability::Taken { reason: None }));
    }
    Ok(match app.registry.availability(domain) {
        Ok(a) => Ok(a),
        Err(RegistryError::NoService) => Err(Unanswered::NoService),
        Err(RegistryError::Unavailable | RegistryError::NotFound) => Err(Unanswered::Down),
    })
}

/// `available` or `taken`, as LOOKUP and NAME_SUGGEST write a status.
pub fn status_word(a: &Availability) -> &'static str {
    match a {
        Availability::Available { .. } => "available",
        Availability::Taken { .. } | Availability::Waiting => "taken",
    }
}
