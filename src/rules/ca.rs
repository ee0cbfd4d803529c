//! CIRA's blocking rule for .ca: a name's variants — `label.ca` and each
//! `label.<province>.ca` — are one name, so a registered variant blocks the
//! others for any other registrant. LOOKUP answers 246 for a free name with a
//! blocker, and GET_CA_BLOCKER_LIST lists them.

use crate::app::App;
use crate::registry::Availability;
use crate::store::StoreError;

/// The provincial second levels of .ca.
const PROVINCES: &[&str] = &[
    "ab", "bc", "mb", "nb", "nf", "nl", "ns", "nt", "nu", "on", "pe", "qc", "sk", "yk",
];

/// The label a .ca name's variants share, if it is a .ca name.
pub fn label(name: &str) -> Option<&str> {
    let rest = name.strip_suffix(".ca")?;
    let parts: Vec<&str> = rest.split('.').collect();
    match parts.as_slice() {
        [label] => Some(label),
        [label, province] if PROVINCES.contains(province) => Some(label),
        _ => None,
    }
}

/// The registered variants of the .ca name `domain` (none for another name).
pub fn blockers(app: &App, domain: &str) -> Result<Vec<String>, StoreError> {
    let Some(label) = label(domain) else {
        return Ok(Vec::new());
    };
    let variants = std::iter::once(format!("{label}.ca"))
        .chain(PROVINCES.iter().map(|p| format!("{label}.{p}.ca")))
        .filter(|v| v != domain);
    let mut out = Vec::new();
    for v in variants {
        if let Ok(Availability::Taken { .. }) = super::availability::of(app, &v)? {
            out.push(v);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_share_their_label() {
        assert_eq!(label("maple.ca"), Some("maple"));
        assert_eq!(label("maple.on.ca"), Some("maple"));
        assert_eq!(label("maple.xx.ca"), None);
        assert_eq!(label("maple.com"), None);
    }
}
