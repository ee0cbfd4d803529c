//! Administrator roles of hosted email (the Email API's `set_role`): the eight
//! roles OpenSRS names, the object each one is held over (the company, a domain,
//! or a domain's workgroup) and what each lets its holder do there. The
//! documentation describes each role in a sentence and maps none to methods;
//! opsd reads the sentences as below (*chosen*, listed in docs/email.md):
//!
//! | role | over | may |
//! |---|---|---|
//! | `company` | the company | everything |
//! | `company_view` | the company | read, change, manage domains, tokens; not create or delete users or domains |
//! | `company_mail` | the company | read, change users, tokens |
//! | `company_ro` | the company | read |
//! | `company_token_only` | the company | tokens |
//! | `domain` | its domains | everything within them but making or deleting the domain |
//! | `mail` | its domains | read, change users, tokens |
//! | `workgroup` | its workgroups | read, change, create and delete users, tokens, within them |
//!
//! Every user may read and change itself (its password, its forwarding, …).

/// The roles held over a company: a user whose domain is pushed to another
/// company loses them (its domain and workgroup roles stay with the domain).
pub const COMPANY_ROLES: &[&str] = &[
    "company",
    "company_mail",
    "company_ro",
    "company_token_only",
    "company_view",
];

/// A role, as `set_role` spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Company,
    CompanyMail,
    CompanyRo,
    CompanyTokenOnly,
    CompanyView,
    Domain,
    Mail,
    Workgroup,
}

/// What a role is held over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Over {
    Company,
    Domain,
    Workgroup,
}

/// What a call does to the object it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Reads it.
    Read,
    /// Changes an existing user's settings (non-billable).
    Change,
    /// Makes or deletes a user (billable).
    Create,
    /// Changes a domain's settings, its workgroups, bulletins, brand, roles
    /// within it.
    Manage,
    /// Company-wide changes: domains made or deleted, company settings and
    /// bulletins, company roles.
    Company,
    /// Makes a login token for a user.
    Token,
}

/// The object a call is about; all `None` is the company itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Target<'a> {
    pub domain: Option<&'a str>,
    pub workgroup: Option<&'a str>,
    /// A user's address.
    pub user: Option<&'a str>,
}

/// A role held over objects: company names, domain names or `domain/workgroup`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub objects: Vec<String>,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Company,
        Role::CompanyMail,
        Role::CompanyRo,
        Role::CompanyTokenOnly,
        Role::CompanyView,
        Role::Domain,
        Role::Mail,
        Role::Workgroup,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Company => "company",
            Role::CompanyMail => "company_mail",
            Role::CompanyRo => "company_ro",
            Role::CompanyTokenOnly => "company_token_only",
            Role::CompanyView => "company_view",
            Role::Domain => "domain",
            Role::Mail => "mail",
            Role::Workgroup => "workgroup",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn over(self) -> Over {
        match self {
            Role::Domain | Role::Mail => Over::Domain,
            Role::Workgroup => Over::Workgroup,
            _ => Over::Company,
        }
    }

    /// What the role may do where it holds.
    fn may(self, need: Need) -> bool {
        use Need::*;
        match self {
            Role::Company => true,
            Role::CompanyView => matches!(need, Read | Change | Manage | Token),
            Role::CompanyMail | Role::Mail => matches!(need, Read | Change | Token),
            Role::CompanyRo => need == Read,
            Role::CompanyTokenOnly => need == Token,
            Role::Domain => need != Company,
            Role::Workgroup => matches!(need, Read | Change | Create | Token),
        }
    }
}

impl Grant {
    /// Whether the grant holds over `target`: a company role over everything of
    /// the company; a domain role over its domains and what is in them; a
    /// workgroup role over its workgroups' users.
    fn covers(&self, target: &Target<'_>) -> bool {
        match self.role.over() {
            Over::Company => true,
            Over::Domain => target
                .domain
                .is_some_and(|d| self.objects.iter().any(|o| o.eq_ignore_ascii_case(d))),
            Over::Workgroup => match (target.domain, target.workgroup) {
                (Some(d), Some(w)) => self.objects.iter().any(|o| {
                    o.split_once('/').is_some_and(|(od, ow)| {
                        od.eq_ignore_ascii_case(d) && ow.eq_ignore_ascii_case(w)
                    })
                }),
                _ => false,
            },
        }
    }
}

/// The roles a user holds, from its `(role, object)` rows: one grant per
/// role with its objects (a name no role has is passed over).
pub fn grants(rows: Vec<(String, String)>) -> Vec<Grant> {
    let mut grants: Vec<Grant> = Vec::new();
    for (role, object) in rows {
        let Some(role) = Role::parse(&role) else {
            continue;
        };
        match grants.iter_mut().find(|g| g.role == role) {
            Some(g) => g.objects.push(object),
            None => grants.push(Grant {
                role,
                objects: vec![object],
            }),
        }
    }
    grants
}

/// Whether a caller holding `grants` (and logged in as `me`, a user's address,
/// if it is one) may do `need` to `target`.
pub fn allows(grants: &[Grant], me: Option<&str>, need: Need, target: &Target<'_>) -> bool {
    if let (Some(me), Some(user)) = (me, target.user)
        && me.eq_ignore_ascii_case(user)
        && matches!(need, Need::Read | Need::Change)
    {
        return true;
    }
    grants.iter().any(|g| g.role.may(need) && g.covers(target))
}

/// Whether `object` names what `role` is held over: a domain of `domains` for
/// the domain roles, `domain/workgroup` with such a domain for the workgroup
/// role (the workgroup's existence is the caller's to check); company roles
/// take the company's name.
pub fn object_shape(role: Role, object: &str) -> Option<(String, Option<String>)> {
    let o = object.trim().to_ascii_lowercase();
    match role.over() {
        Over::Company => Some((o, None)),
        Over::Domain => (!o.is_empty() && !o.contains('/')).then_some((o, None)),
        Over::Workgroup => {
            let (d, w) = o.split_once('/')?;
            let w = super::mail_users::workgroup_name(w)?;
            (!d.is_empty()).then(|| (d.to_string(), Some(w)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(role: Role, objects: &[&str]) -> Vec<Grant> {
        vec![Grant {
            role,
            objects: objects.iter().map(|s| s.to_string()).collect(),
        }]
    }

    const COMPANY: Target<'static> = Target {
        domain: None,
        workgroup: None,
        user: None,
    };
    const DOMAIN: Target<'static> = Target {
        domain: Some("a.test"),
        workgroup: None,
        user: None,
    };
    const SALES_USER: Target<'static> = Target {
        domain: Some("a.test"),
        workgroup: Some("sales"),
        user: Some("bob@a.test"),
    };

    #[test]
    fn roles_round_trip_their_names() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            assert_eq!(
                COMPANY_ROLES.contains(&r.as_str()),
                r.over() == Over::Company
            );
        }
        assert_eq!(Role::parse("company_mail2"), None);
    }

    #[test]
    fn domain_roles_hold_within_their_domains_only() {
        let g = grant(Role::Domain, &["a.test"]);
        assert!(allows(&g, None, Need::Create, &SALES_USER));
        assert!(allows(&g, None, Need::Manage, &DOMAIN));
        assert!(!allows(&g, None, Need::Company, &DOMAIN));
        assert!(!allows(&g, None, Need::Read, &COMPANY));
        let other = Target {
            domain: Some("b.test"),
            ..DOMAIN
        };
        assert!(!allows(&g, None, Need::Read, &other));
        let m = grant(Role::Mail, &["a.test"]);
        assert!(allows(&m, None, Need::Change, &SALES_USER));
        assert!(!allows(&m, None, Need::Create, &SALES_USER));
    }

    #[test]
    fn workgroup_roles_hold_over_their_workgroups_users() {
        let g = grant(Role::Workgroup, &["a.test/sales"]);
        assert!(allows(&g, None, Need::Create, &SALES_USER));
        assert!(!allows(&g, None, Need::Read, &DOMAIN));
        let staff = Target {
            workgroup: Some("staff"),
            ..SALES_USER
        };
        assert!(!allows(&g, None, Need::Change, &staff));
    }

    #[test]
    fn company_roles_differ_in_what_they_may_do() {
        let ro = grant(Role::CompanyRo, &["Co"]);
        assert!(allows(&ro, None, Need::Read, &SALES_USER));
        assert!(!allows(&ro, None, Need::Change, &SALES_USER));
        let tok = grant(Role::CompanyTokenOnly, &["Co"]);
        assert!(allows(&tok, None, Need::Token, &SALES_USER));
        assert!(!allows(&tok, None, Need::Read, &SALES_USER));
        let view = grant(Role::CompanyView, &["Co"]);
        assert!(allows(&view, None, Need::Manage, &DOMAIN));
        assert!(!allows(&view, None, Need::Create, &SALES_USER));
        assert!(!allows(&view, None, Need::Company, &COMPANY));
        assert!(allows(
            &grant(Role::Company, &["Co"]),
            None,
            Need::Company,
            &COMPANY
        ));
    }

    #[test]
    fn a_user_reads_and_changes_itself_only() {
        assert!(allows(&[], Some("BOB@a.test"), Need::Change, &SALES_USER));
        assert!(!allows(&[], Some("bob@a.test"), Need::Create, &SALES_USER));
        assert!(!allows(&[], Some("eve@a.test"), Need::Read, &SALES_USER));
    }

    #[test]
    fn objects_take_the_roles_shape() {
        assert_eq!(
            object_shape(Role::Workgroup, "A.test/Sales"),
            Some(("a.test".into(), Some("sales".into())))
        );
        assert_eq!(object_shape(Role::Workgroup, "a.test"), None);
        assert_eq!(object_shape(Role::Domain, "a.test/x"), None);
    }
}
