//! Who is asked to approve a transfer: one registrant per email address (compared
//! without case), in the order of its first domain, with unguessable tokens for its
//! approval page and that page's form.

use crate::store::{Mail, Transferable};

/// One registrant to ask, and its domains in job order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registrant {
    /// Lower-cased.
    pub email: String,
    /// The WHOIS name given with its first domain.
    pub name: String,
    pub domains: Vec<String>,
}

/// The registrants of a job's transferable domains.
pub fn registrants(domains: &[Transferable]) -> Vec<Registrant> {
    let mut out: Vec<Registrant> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for d in domains {
        let email = d.registrant_email.to_lowercase();
        match index.get(&email) {
            Some(&i) => {
                let r: &mut Registrant = &mut out[i];
                r.domains.push(d.name.clone());
            }
            None => {
                index.insert(email.clone(), out.len());
                out.push(Registrant {
                    email,
                    name: d.registrant_name.clone(),
                    domains: vec![d.name.clone()],
                });
            }
        }
    }
    out
}

/// Who approves a single transfer order: the `owner_confirm_address` the order gave,
/// else the admin contact WHOIS shows, else the registrant.
pub fn order_approver(approver: Option<&str>, d: &Transferable) -> Registrant {
    let admin = d
        .contacts_json
        .as_deref()
        .and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok())
        .and_then(|v| v["admin"]["email"].as_str().map(str::to_string))
        .filter(|e| !e.trim().is_empty());
    let email = approver
        .map(str::to_string)
        .or(admin)
        .unwrap_or_else(|| d.registrant_email.clone())
        .trim()
        .to_lowercase();
    Registrant {
        email,
        name: d.registrant_name.clone(),
        domains: vec![d.name.clone()],
    }
}

/// A fresh approval token and CSRF token (128 random bits each).
pub fn tokens() -> (String, String) {
    (crate::auth::random_hex(16), crate::auth::random_hex(16))
}

/// The email that asks `r` to approve the transfer of its domains: the link to the
/// approval page at `public_url`, and how many days it has.
pub fn approval_mail(public_url: &str, r: &Registrant, token: &str, days: i64) -> Mail {
    let base = public_url.trim_end_matches('/');
    let mut body = format!(
        "Hello {name},\n\nA transfer of the following domain names to a new registrar has been requested:\n\n",
        name = if r.name.is_empty() {
            r.email.as_str()
        } else {
            r.name.as_str()
        }
    );
    for d in &r.domains {
        body.push_str(&format!("  {d}\n"));
    }
    body.push_str(&format!(
        "\nTo accept or cancel the transfer of these domains, open:\n\n  {base}/approve/{token}\n\n\
         If you do nothing within {days} days, the transfers will not be started.\n"
    ));
    Mail {
        to: r.email.clone(),
        subject: format!(
            "Please approve the transfer of {} domain name{}",
            r.domains.len(),
            if r.domains.len() == 1 { "" } else { "s" }
        ),
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str, email: &str, who: &str) -> Transferable {
        Transferable {
            name: name.into(),
            registrant_email: email.into(),
            registrant_name: who.into(),
            contacts_json: None,
        }
    }

    #[test]
    fn an_order_is_approved_by_its_address_or_the_admin_contact() {
        let mut d = t("a.com", "owner@example.net", "Owner");
        assert_eq!(order_approver(None, &d).email, "owner@example.net");
        d.contacts_json = Some(r#"{"admin":{"email":"Admin@Example.net"}}"#.into());
        assert_eq!(order_approver(None, &d).email, "admin@example.net");
        assert_eq!(order_approver(Some("me@x.org"), &d).email, "me@x.org");
    }

    #[test]
    fn one_registrant_per_address_in_first_appearance_order() {
        let got = registrants(&[
            t("b.com", "Zed@example.com", "Zed"),
            t("a.com", "amy@example.com", "Amy"),
            t("c.com", "zed@EXAMPLE.com", "Z."),
        ]);
        let view: Vec<(&str, &str, Vec<&str>)> = got
            .iter()
            .map(|r| {
                (
                    r.email.as_str(),
                    r.name.as_str(),
                    r.domains.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            view,
            vec![
                ("zed@example.com", "Zed", vec!["b.com", "c.com"]),
                ("amy@example.com", "Amy", vec!["a.com"]),
            ]
        );
    }

    #[test]
    fn tokens_differ() {
        let (a, b) = tokens();
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert_ne!(tokens().0, a);
    }
}
