//! Which registry-style pushes (`/srv/push_domain`, seed 002) the registry takes: the
//! caller's own Live domain, to another registrar account that accepts transfers.

use crate::store::{
    AuditEntry, Mail, RegistryPush, RegistryPushDone, RegistryPushFacts, RegistryPushPlan, Store,
    StoreError, Written, account,
};

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
    let Some(facts) = store.registry_push_facts(p)? else {
        return Ok(Err(RegistryPushRefused::DomainNotFound));
    };
    let notice = notice.map(|compose| {
        (
            compose(&gaining.email),
            format!("<push-{}-{}@opsd>", p.domain, p.now),
        )
    });
    let (plan, done) = plan(p, &facts, notice);
    match store.apply_registry_push(&plan)? {
        Written::Done(()) => Ok(Ok(done)),
        // Pushed away since it was read.
        Written::Stopped(_) => Ok(Err(RegistryPushRefused::DomainNotFound)),
    }
}

/// Seed 002's effects of a push: the losing registrar listed as technical
/// contact is replaced by the gaining one; a handle the losing registrar sponsors
/// moves with the domain unless the losing registrar still uses it on another
/// domain (then it stays), and becomes unsponsored if a third registrar's domains
/// use it too; the losing registrar's outstanding invoices for the domain are
/// credited and reissued to the gaining one.
fn plan(
    p: &RegistryPush,
    facts: &RegistryPushFacts,
    notice: Option<(Mail, String)>,
) -> (RegistryPushPlan, RegistryPushDone) {
    let mut done = RegistryPushDone::default();
    let tech = match &facts.tech {
        Some(t) if *t == p.losing => {
            done.tech_changed = true;
            Some(p.gaining.clone())
        }
        other => other.clone(),
    };
    let mut handles = Vec::new();
    for h in &facts.handles {
        if h.sponsor.as_deref() != Some(p.losing.as_str()) || h.other_domains_at_losing > 0 {
            continue;
        }
        if h.at_third_registrars > 0 {
            done.handles_unsponsored.push(h.handle.clone());
            handles.push((h.handle.clone(), None));
        } else {
            done.handles_moved.push(h.handle.clone());
            handles.push((h.handle.clone(), Some(p.gaining.clone())));
        }
    }
    done.invoices_reissued = facts.invoices.len();
    let audit = AuditEntry {
        at: p.now,
        actor: p.losing.clone(),
        actor_kind: account::REGISTRAR.into(),
        action: "srv_push_domain".into(),
        subject: p.domain.clone(),
        detail: format!(
            "pushed from {} to {}; {} invoice(s) reissued; handles moved: [{}], unsponsored: [{}]",
            p.losing,
            p.gaining,
            done.invoices_reissued,
            done.handles_moved.join(", "),
            done.handles_unsponsored.join(", ")
        ),
        client_ip: p.client_ip.clone(),
        gaining: Some(p.gaining.clone()),
        gaining_kind: Some(account::REGISTRAR.into()),
    };
    let plan = RegistryPushPlan {
        push: p.clone(),
        tech,
        handles,
        invoices: facts.invoices.clone(),
        audit,
        notice,
    };
    (plan, done)
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

    fn with_contacts(
        name: &str,
        registrar: &str,
        registrant: &str,
        tech: &str,
    ) -> NewRegistryDomain {
        NewRegistryDomain {
            name: name.into(),
            registrar: registrar.into(),
            status: "Live".into(),
            registrant: Some(registrant.into()),
            tech: Some(tech.into()),
        }
    }

    fn sponsor(store: &Store, handle: &str) -> Option<String> {
        crate::store::peek::<Option<String>>(
            store.path(),
            &format!("SELECT sponsor FROM contact_handles WHERE handle = '{handle}'"),
        )
        .ok()
        .flatten()
        .flatten()
    }

    /// Seed 002: a handle moves with the domain, stays while the losing registrar
    /// still uses it, or becomes unsponsored when a third registrar uses it.
    #[test]
    fn handles_move_stay_or_become_unsponsored() {
        let (store, _dir) = temp_store();
        for h in ["H1", "H2", "H3"] {
            assert!(store.add_registrar(h, "$1$x$y", "r@example.com", 1).is_ok());
        }
        for d in [
            with_contacts("a.uk.com", "H1", "C-ONLY", "H1"),
            with_contacts("b.uk.com", "H1", "C-KEPT", "T-SHARED"),
            with_contacts("c.uk.com", "H1", "C-KEPT", "T-OTHER"),
            with_contacts("d.uk.com", "H3", "T-SHARED", "H3"),
        ] {
            assert!(store.add_registry_domain(&d, 1).is_ok(), "{}", d.name);
        }
        let Ok(Ok(done)) = push(&store, &push_of("a.uk.com", "H2"), None) else {
            panic!("a.uk.com was not pushed");
        };
        assert!(done.tech_changed);
        assert_eq!(done.handles_moved, vec!["C-ONLY".to_string()]);
        assert_eq!(sponsor(&store, "C-ONLY").as_deref(), Some("H2"));
        let Ok(Ok(done)) = push(&store, &push_of("b.uk.com", "H2"), None) else {
            panic!("b.uk.com was not pushed");
        };
        // C-KEPT is still on c.uk.com at H1; T-SHARED is also used at H3.
        assert!(done.handles_moved.is_empty());
        assert_eq!(done.handles_unsponsored, vec!["T-SHARED".to_string()]);
        assert_eq!(sponsor(&store, "C-KEPT").as_deref(), Some("H1"));
        assert_eq!(sponsor(&store, "T-SHARED"), None);
        assert!(!done.tech_changed);
    }
}
