//! `contact_set`: OpenSRS's four contacts (owner, admin, billing, tech) as requests
//! send them and as GET answers them, over the one stored form (JSON of role to
//! `whois::Contact`). Transfers that took WHOIS's contacts store `registrant`,
//! `admin` and `tech`; [`to_ops`] answers every role from what there is.

use crate::ops::{Map, Value};
use crate::rules::contact_set::{complete, to_json};
pub use crate::rules::contact_set::{email_of, merge};
use crate::whois::Contact;

use super::ApiError;
use super::fields::Fields;

/// The roles, in the order replies list them.
pub const ROLES: [&str; 4] = ["owner", "admin", "billing", "tech"];

/// A contact's fields as OpenSRS names them, in the order its replies give them.
pub const FIELDS: [&str; 13] = [
    "first_name",
    "last_name",
    "org_name",
    "address1",
    "address2",
    "address3",
    "city",
    "state",
    "postal_code",
    "country",
    "phone",
    "fax",
    "email",
];

/// The contact set of a registration or transfer: every role required (tech left
/// out with `with_tech` false), each checked as OpenSRS checks contacts. Returns
/// the set as JSON and the admin contact's address.
pub fn parse(f: &Fields<'_>, with_tech: bool) -> Result<(String, String), ApiError> {
    let roles: Vec<&str> = ROLES
        .iter()
        .copied()
        .filter(|r| with_tech || *r != "tech")
        .collect();
    let set = parse_roles(f, &roles, true)?;
    let admin_email = set
        .get("admin")
        .and_then(|c| c.get("email"))
        .and_then(serde_json::Value::as_str)
        .map(str::to_lowercase)
        .unwrap_or_default();
    Ok((to_json(&set), admin_email))
}

/// The roles of `roles` that the request's `contact_set` has (MODIFY contact_info,
/// UPDATE_CONTACTS change only those); `required` makes each one mandatory.
pub fn parse_roles(
    f: &Fields<'_>,
    roles: &[&str],
    required: bool,
) -> Result<serde_json::Map<String, serde_json::Value>, ApiError> {
    let Some(set) = f.get("contact_set") else {
        return Err(ApiError::Missing("contact_set".into()));
    };
    let set = Fields::item("contact_set", 0, set)
        .map_err(|_| ApiError::invalid("contact_set", "expected a dt_assoc of contacts"))?;
    let mut out = serde_json::Map::new();
    for role in roles {
        let Some(v) = set.get(role) else {
            if required {
                return Err(ApiError::Missing(format!("contact_set.{role}")));
            }
            continue;
        };
        let c = Fields::item(role, 0, v)
            .map_err(|_| ApiError::invalid(format!("contact_set.{role}"), "expected a dt_assoc"))?;
        let contact = read_contact(&c)?;
        crate::whois::validate_contact(&contact)
            .map_err(|e| ApiError::invalid(format!("contact_set.{role}.{}", e.field), e.problem))?;
        out.insert(
            (*role).to_string(),
            serde_json::to_value(&contact).unwrap_or_default(),
        );
    }
    if out.is_empty() {
        return Err(ApiError::invalid(
            "contact_set",
            "names none of owner, admin, billing, tech",
        ));
    }
    Ok(out)
}

/// One contact (a dt_assoc read as `c`), checked as a contact set's roles are,
/// errors named `name.field`; as the stored JSON of a role.
pub fn one(c: &Fields<'_>, name: &str) -> Result<serde_json::Value, ApiError> {
    let contact = read_contact(c)?;
    crate::whois::validate_contact(&contact)
        .map_err(|e| ApiError::invalid(format!("{name}.{}", e.field), e.problem))?;
    Ok(serde_json::to_value(&contact).unwrap_or_default())
}

fn read_contact(c: &Fields<'_>) -> Result<Contact, ApiError> {
    let text = |k: &str| -> Result<String, ApiError> {
        Ok(c.opt_str(k)?.unwrap_or("").trim().to_string())
    };
    // OpenSRS writes an extension after an x: +1.4165550123x1812 (Net::DRI).
    let raw_phone = text("phone")?;
    let (phone, phone_ext) = match raw_phone.split_once(['x', 'X']) {
        Some((p, ext)) if !ext.is_empty() && ext.bytes().all(|b| b.is_ascii_digit()) => {
            (p.to_string(), ext.to_string())
        }
        _ => (raw_phone.clone(), String::new()),
    };
    Ok(Contact {
        name: format!("{} {}", text("first_name")?, text("last_name")?)
            .trim()
            .to_string(),
        organization: text("org_name")?,
        street: ["address1", "address2", "address3"]
            .iter()
            .map(|k| text(k))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect(),
        city: text("city")?,
        state: text("state")?,
        postal_code: text("postal_code")?,
        country: text("country")?.to_ascii_uppercase(),
        phone,
        phone_ext,
        fax: text("fax")?,
        fax_ext: String::new(),
        email: text("email")?,
    })
}

/// One stored contact as OpenSRS writes it. The name was stored whole; it is split
/// at its first space (`first_name` the part before).
pub fn contact_to_ops(c: &Contact) -> Value {
    let (first, last) = c.name.split_once(' ').unwrap_or((c.name.as_str(), ""));
    let street = |i: usize| c.street.get(i).cloned().unwrap_or_default();
    let phone = if c.phone_ext.is_empty() {
        c.phone.clone()
    } else {
        format!("{}x{}", c.phone, c.phone_ext)
    };
    let mut m = Map::with_capacity(13);
    for (k, v) in [
        ("first_name", first.trim().to_string()),
        ("last_name", last.trim().to_string()),
        ("org_name", c.organization.clone()),
        ("address1", street(0)),
        ("address2", street(1)),
        ("address3", street(2)),
        ("city", c.city.clone()),
        ("state", c.state.clone()),
        ("postal_code", c.postal_code.clone()),
        ("country", c.country.clone()),
        ("phone", phone),
        ("fax", c.fax.clone()),
        ("email", c.email.clone()),
    ] {
        m.insert(k.into(), Value::from(v));
    }
    Value::Map(m)
}

/// The roles of the stored set that `roles` names, in that order.
pub fn to_ops(stored: Option<&str>, roles: &[&str]) -> Map {
    let set = complete(stored);
    let mut out = Map::with_capacity(roles.len());
    for role in roles {
        if let Some(c) = set
            .get(*role)
            .and_then(|v| serde_json::from_value::<Contact>(v.clone()).ok())
        {
            out.insert((*role).into(), contact_to_ops(&c));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whois_roles_fill_the_four() {
        let c = Contact {
            name: "Ann Lee".into(),
            email: "ann@example.com".into(),
            ..Contact::default()
        };
        let stored = serde_json::json!({ "registrant": c, "admin": c }).to_string();
        let m = to_ops(Some(&stored), &ROLES);
        assert_eq!(m.len(), 4);
        let owner = m
            .get("owner")
            .and_then(Value::as_map)
            .cloned()
            .unwrap_or_default();
        assert_eq!(owner.get("first_name").and_then(Value::as_str), Some("Ann"));
        assert_eq!(owner.get("last_name").and_then(Value::as_str), Some("Lee"));
    }

    #[test]
    fn merge_replaces_only_the_named_roles() {
        let a = Contact {
            name: "A".into(),
            ..Contact::default()
        };
        let b = Contact {
            name: "B".into(),
            ..Contact::default()
        };
        let stored =
            serde_json::json!({ "owner": a, "admin": a, "billing": a, "tech": a }).to_string();
        let mut changes = serde_json::Map::new();
        changes.insert("tech".into(), serde_json::to_value(&b).unwrap_or_default());
        let merged = merge(Some(&stored), &changes);
        let m = to_ops(Some(&merged), &["owner", "tech"]);
        let name = |r: &str| {
            m.get(r)
                .and_then(Value::as_map)
                .and_then(|c| c.get("first_name"))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        assert_eq!(name("owner").as_deref(), Some("A"));
        assert_eq!(name("tech").as_deref(), Some("B"));
    }
}
