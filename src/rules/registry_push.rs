//! Which registry-style pushes (`/srv/push_domain`, seed 002) the registry takes: the
//! caller's own Live domain, to another registrar account that accepts transfers.

use crate::store::{Mail, RegistryPush, RegistryPushDone, Store, StoreError};

/// Why a push is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistryPushRefused {
    /// Not a domain of the caller's account (or no such domain).
    DomainNotFound,
    NotLive,
    GainingUnknown,
    GainingOptedOut,
    GainingIsLosing,
}

/// Pushes the domain with all of seed 002's effects, or refuses without changing
/// anything. `notice` writes the email to the gaining registrar from its address
/// (`None`: no email, as in test mode).
pub fn push(
    store: &Store,
    p: &RegistryPush,
    notice: Option<&dyn Fn(&str) -> Mail>,
) -> Result<Result<RegistryPushDone, RegistryPushRefused>, StoreError> {
    let Some(domain) = store.registry_domain(&p.domain)? else {
        return Ok(Err(RegistryPushRefused::DomainNotFound));
    };
    if domain.registrar != p.losing {
        return Ok(Err(RegistryPushRefused::DomainNotFound));
    }
    if !domain.status.eq_ignore_ascii_case("live") {
        return Ok(Err(RegistryPushRefused::NotLive));
    }
    let gaining = match store.registrar(&p.gaining)? {
        None => return Ok(Err(RegistryPushRefused::GainingUnknown)),
        Some(g) if g.handle == p.losing => return Ok(Err(RegistryPushRefused::GainingIsLosing)),
        Some(g) if g.opted_out => return Ok(Err(RegistryPushRefused::GainingOptedOut)),
        Some(g) => g,
    };
    let mail = notice.map(|compose| compose(&gaining.email));
    match store.registry_push(p, mail.as_ref()) {
        Ok(done) => Ok(Ok(done)),
        // Pushed away since it was read.
        Err(StoreError::NotFound) => Ok(Err(RegistryPushRefused::DomainNotFound)),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewRegistryDomain;
    use crate::store::test_support::temp_store;

    fn domain(name: &str, registrar: &str, status: &str) -> NewRegistryDomain {
        NewRegistryDomain {
            name: name.into(),
            registrar: registrar.into(),
            status: status.into(),
            registrant: Some("C".into()),
            tech: Some(registrar.into()),
        }
    }

    fn push_of(domain: &str, gaining: &str) -> RegistryPush {
        RegistryPush {
            losing: "H1".into(),
            gaining: gaining.into(),
            domain: domain.into(),
            now: 5,
            client_ip: "127.0.0.1".into(),
        }
    }

    #[test]
    fn refusals_change_nothing() {
        let (store, _dir) = temp_store();
        for h in ["H1", "H2", "H3"] {
            assert!(store.add_registrar(h, "$1$x$y", "r@example.com", 1).is_ok());
        }
        assert!(store.set_registrar_opt_out("H3", true).is_ok());
        for d in [
            domain("a.uk.com", "H1", "Live"),
            domain("theirs.uk.com", "H3", "Live"),
            domain("held.uk.com", "H1", "Pending Delete"),
        ] {
            assert!(store.add_registry_domain(&d, 1).is_ok());
        }
        let refused = |d: &str, g: &str| {
            push(&store, &push_of(d, g), None)
                .ok()
                .and_then(Result::err)
        };
        use RegistryPushRefused::*;
        assert_eq!(refused("nope.uk.com", "H2"), Some(DomainNotFound));
        assert_eq!(refused("theirs.uk.com", "H2"), Some(DomainNotFound));
        assert_eq!(refused("held.uk.com", "H2"), Some(NotLive));
        assert_eq!(refused("a.uk.com", "H3"), Some(GainingOptedOut));
        assert_eq!(refused("a.uk.com", "H9"), Some(GainingUnknown));
        assert_eq!(refused("a.uk.com", "H1"), Some(GainingIsLosing));
        let holder = store.registry_domain("a.uk.com").ok().flatten();
        assert_eq!(holder.map(|d| d.registrar).as_deref(), Some("H1"));
        // And the one that may happen does.
        assert!(matches!(
            push(&store, &push_of("a.uk.com", "H2"), None),
            Ok(Ok(_))
        ));
        let holder = store.registry_domain("a.uk.com").ok().flatten();
        assert_eq!(holder.map(|d| d.registrar).as_deref(), Some("H2"));
    }
}
