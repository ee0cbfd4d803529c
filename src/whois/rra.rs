//! A parser for the WHOIS output format of the 2013 Registrar Accreditation Agreement
//! (its Registration Data Directory Services specification): `Key: value` lines such
//! as `Registrant Name:`, `Registrant Street:` (repeatable), `Registrant Email:`.
//!
//! Real servers vary the layout around the keys (leading spaces, CRLF, case, empty
//! values, privacy redaction, notices after `>>> Last update`), so matching is by
//! key, case-insensitively, and stops at the first `>>>` line.

use serde::{Deserialize, Serialize};

/// One contact of a WHOIS record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub organization: String,
    pub street: Vec<String>,
    pub city: String,
    pub state: String,
    pub postal_code: String,
    pub country: String,
    pub phone: String,
    pub phone_ext: String,
    pub fax: String,
    pub fax_ext: String,
    pub email: String,
}

/// What opsd takes from a WHOIS record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhoisRecord {
    pub domain: String,
    /// Set by thin registries: where the full record lives.
    pub registrar_whois_server: String,
    pub registrar: String,
    pub creation_date: String,
    pub updated_date: String,
    pub statuses: Vec<String>,
    pub registrant: Contact,
    pub admin: Contact,
    pub tech: Contact,
    pub nameservers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("no 'Domain Name:' line")]
    NoDomain,
    #[error("no registrant contact")]
    NoRegistrant,
}

impl WhoisRecord {
    /// True when the record only points at the registrar's server (thin registry).
    pub fn is_referral(&self) -> bool {
        !self.registrar_whois_server.is_empty()
            && self.registrant.email.is_empty()
            && self.registrant.name.is_empty()
    }
}

/// Parses a response. A thin registry's referral parses too (without contacts); use
/// [`parse_full`] when the contacts are required.
pub fn parse(text: &str) -> Result<WhoisRecord, ParseError> {
    let mut r = WhoisRecord::default();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with(">>>") {
            break;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        if let Some(field) = key.strip_prefix("registrant ") {
            contact_field(&mut r.registrant, field, value);
            continue;
        }
        if let Some(field) = key.strip_prefix("admin ") {
            contact_field(&mut r.admin, field, value);
            continue;
        }
        if let Some(field) = key.strip_prefix("tech ") {
            contact_field(&mut r.tech, field, value);
            continue;
        }
        match key.as_str() {
            "domain name" if r.domain.is_empty() => r.domain = value.to_ascii_lowercase(),
            "registrar whois server" => r.registrar_whois_server = value.to_string(),
            "registrar" => r.registrar = value.to_string(),
            "creation date" => r.creation_date = value.to_string(),
            "updated date" => r.updated_date = value.to_string(),
            // `clientTransferProhibited https://icann.org/epp#...`: keep the code.
            "domain status" if !value.is_empty() => {
                r.statuses
                    .push(value.split_whitespace().next().unwrap_or(value).to_string());
            }
            "name server" if !value.is_empty() => r.nameservers.push(value.to_ascii_lowercase()),
            _ => {}
        }
    }
    if r.domain.is_empty() {
        return Err(ParseError::NoDomain);
    }
    Ok(r)
}

/// Parses a response that must carry the registrant contact.
pub fn parse_full(text: &str) -> Result<WhoisRecord, ParseError> {
    let r = parse(text)?;
    if r.registrant.name.is_empty() && r.registrant.email.is_empty() {
        return Err(ParseError::NoRegistrant);
    }
    Ok(r)
}

fn contact_field(c: &mut Contact, field: &str, value: &str) {
    let v = value.to_string();
    match field {
        "name" => c.name = v,
        "organization" | "organisation" => c.organization = v,
        "street" | "street1" | "street2" | "street3" if !v.is_empty() => c.street.push(v),
        "city" => c.city = v,
        "state/province" | "state" | "province" => c.state = v,
        "postal code" => c.postal_code = v,
        "country" => c.country = v,
        "phone" => c.phone = v,
        "phone ext" | "phone ext." => c.phone_ext = v,
        "fax" => c.fax = v,
        "fax ext" | "fax ext." => c.fax_ext = v,
        "email" => c.email = v,
        _ => {}
    }
}

/// Why a registrant contact does not pass validation, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {problem}")]
pub struct ContactError {
    pub field: &'static str,
    pub problem: &'static str,
}

/// The checks OpenSRS applies before it accepts a contact for a transfer: name, a
/// plausible email, street, city, a two-letter country, and a phone in
/// `+CC.NUMBER` form. Privacy-redacted values fail.
pub fn validate_contact(c: &Contact) -> Result<(), ContactError> {
    let redacted = |s: &str| s.to_ascii_uppercase().contains("REDACTED");
    let required = |field, v: &str| {
        if v.trim().is_empty() {
            Err(ContactError {
                field,
                problem: "is missing",
            })
        } else if redacted(v) {
            Err(ContactError {
                field,
                problem: "is redacted",
            })
        } else {
            Ok(())
        }
    };
    required("name", &c.name)?;
    required("email", &c.email)?;
    if !plausible_email(&c.email) {
        return Err(ContactError {
            field: "email",
            problem: "is not a valid email address",
        });
    }
    required("street", c.street.first().map_or("", String::as_str))?;
    required("city", &c.city)?;
    required("country", &c.country)?;
    if c.country.len() != 2 || !c.country.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(ContactError {
            field: "country",
            problem: "is not a two-letter country code",
        });
    }
    required("phone", &c.phone)?;
    let phone_ok = c
        .phone
        .strip_prefix('+')
        .and_then(|p| p.split_once('.'))
        .is_some_and(|(cc, n)| {
            (1..=3).contains(&cc.len())
                && cc.bytes().all(|b| b.is_ascii_digit())
                && (4..=14).contains(&n.len())
                && n.bytes().all(|b| b.is_ascii_digit())
        });
    if !phone_ok {
        return Err(ContactError {
            field: "phone",
            problem: "is not in +CC.NUMBER form",
        });
    }
    Ok(())
}

fn plausible_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !local.contains(char::is_whitespace)
        && domain.contains('.')
        && crate::domain::DomainName::parse(domain).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/whois")
            .join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn rra_specification_example() {
        let r = parse_full(&fixture("rra2013-spec-example.txt")).ok();
        let r = r.as_ref();
        assert_eq!(r.map(|r| r.domain.as_str()), Some("example.tld"));
        assert_eq!(
            r.map(|r| r.registrant.name.as_str()),
            Some("EXAMPLE REGISTRANT")
        );
        assert_eq!(
            r.map(|r| r.registrant.email.as_str()),
            Some("EMAIL@EXAMPLE.TLD")
        );
        assert_eq!(r.map(|r| r.registrant.phone_ext.as_str()), Some("1234"));
        assert_eq!(r.map(|r| r.statuses.len()), Some(3));
        assert_eq!(r.map(|r| r.nameservers.len()), Some(2));
        assert_eq!(
            r.map(|r| r.admin.name.as_str()),
            Some("EXAMPLE REGISTRANT ADMINISTRATIVE")
        );
        assert!(r.is_some_and(|r| validate_contact(&r.registrant).is_ok()));
    }

    #[test]
    fn registrar_record_with_crlf_and_two_streets() {
        let r = parse_full(&fixture("registrar-crlf.txt")).ok();
        let c = r.as_ref().map(|r| &r.registrant);
        assert_eq!(c.map(|c| c.name.as_str()), Some("jeff crawford"));
        assert_eq!(c.map(|c| c.email.as_str()), Some("jcrawford@tucows.com"));
        assert_eq!(c.map(|c| c.street.len()), Some(2));
        assert_eq!(r.map(|r| r.statuses), Some(vec!["ok".to_string()]));
    }

    #[test]
    fn thin_registry_referral() {
        let r = parse(&fixture("registry-thin-referral.txt")).ok();
        assert_eq!(
            r.as_ref().map(|r| r.registrar_whois_server.as_str()),
            Some("whois.registrar.example")
        );
        assert!(r.as_ref().is_some_and(WhoisRecord::is_referral));
        assert_eq!(
            r.map(|r| r.statuses),
            Some(vec![
                "clientTransferProhibited".to_string(),
                "clientUpdateProhibited".to_string()
            ])
        );
        assert_eq!(
            parse_full(&fixture("registry-thin-referral.txt")),
            Err(ParseError::NoRegistrant)
        );
    }

    #[test]
    fn redacted_record_parses_but_fails_validation() {
        let r = parse_full(&fixture("registrar-redacted.txt"));
        let err = r.map(|r| validate_contact(&r.registrant));
        assert_eq!(
            err,
            Ok(Err(ContactError {
                field: "name",
                problem: "is redacted"
            }))
        );
    }

    #[test]
    fn pre_2013_layout_is_not_parseable() {
        assert_eq!(
            parse_full(&fixture("legacy-unparseable.txt")),
            Err(ParseError::NoRegistrant)
        );
        assert_eq!(parse_full("no keys here"), Err(ParseError::NoDomain));
    }

    #[test]
    fn contact_checks_name_the_field() {
        let good = Contact {
            name: "A".into(),
            email: "a@b.com".into(),
            street: vec!["1 Road".into()],
            city: "Town".into(),
            country: "CA".into(),
            phone: "+1.4165551212".into(),
            ..Contact::default()
        };
        assert_eq!(validate_contact(&good), Ok(()));
        let field = |c: Contact| validate_contact(&c).err().map(|e| e.field);
        assert_eq!(
            field(Contact {
                email: "nope".into(),
                ..good.clone()
            }),
            Some("email")
        );
        assert_eq!(
            field(Contact {
                phone: "4165551212".into(),
                ..good.clone()
            }),
            Some("phone")
        );
        assert_eq!(
            field(Contact {
                country: "Canada".into(),
                ..good.clone()
            }),
            Some("country")
        );
        assert_eq!(
            field(Contact {
                street: vec![],
                ..good.clone()
            }),
            Some("street")
        );
        assert_eq!(
            field(Contact {
                city: " ".into(),
                ..good
            }),
            Some("city")
        );
    }
}
