//! What each TLD asks of a domain beyond the common data: its `tld_data` blocks
//! (.us `nexus`, .it `it_registrant_info`, .asia `ced_info`, .au
//! `au_registrant_info`, .name `forwarding_email`, and the blocks other TLDs keep
//! as sent) with the values OpenSRS's documentation and clients allow, and which
//! TLDs the per-domain settings (MODIFY `data`, GET `type`) belong to.

use serde_json::Value;

/// A field error: the field's full name (`tld_data.nexus.category`) and why.
pub type Refusal = (String, String);

/// The `tld_data` blocks OpenSRS documents; any other key is refused.
const BLOCKS: &[&str] = &[
    "nexus",
    "ced_info",
    "it_registrant_info",
    "au_registrant_info",
    "br_register_number",
    "ipr_data",
    "professional_data",
    "registrant_extra_info",
    "ie_cro_number",
    "forwarding_email",
];

/// .us nexus categories and application purposes.
const NEXUS_CATEGORIES: &[&str] = &["C11", "C12", "C21", "C31", "C32"];
const NEXUS_PURPOSES: &[&str] = &["P1", "P2", "P3", "P4", "P5"];

/// .asia CED values.
const CED_CONTACT_TYPES: &[&str] = &["owner", "admin", "billing", "tech"];
const CED_ENTITY_TYPES: &[&str] = &[
    "naturalPerson",
    "corporation",
    "cooperative",
    "partnership",
    "government",
    "politicalParty",
    "society",
    "institution",
    "other",
];
const CED_ID_TYPES: &[&str] = &[
    "passport",
    "certificate",
    "legislation",
    "societyRegistry",
    "politicalPartyRegistry",
    "other",
];

/// CIRA legal types, and those of individuals (who alone may hide their WHOIS).
pub const CIRA_LEGAL_TYPES: &[&str] = &[
    "CCO", "CCT", "RES", "GOV", "EDU", "ASS", "HOP", "PRT", "TDM", "TRD", "PLT", "LAM", "TRS",
    "ABO", "INB", "LGR", "OMK", "MAJ",
];
pub const CIRA_INDIVIDUALS: &[&str] = &["CCT", "RES", "LGR", "ABO"];

/// The TLD (last label) of a domain.
pub fn tld_of(domain: &str) -> &str {
    domain.rsplit('.').next().unwrap_or("")
}

/// The TLD a `tld_data` block belongs to, for the blocks that belong to one.
fn block_tld(block: &str) -> Option<&'static str> {
    match block {
        "nexus" => Some("us"),
        "ced_info" => Some("asia"),
        "it_registrant_info" => Some("it"),
        "au_registrant_info" => Some("au"),
        "forwarding_email" => Some("name"),
        _ => None,
    }
}

fn field(block: &str, key: &str) -> String {
    format!("tld_data.{block}.{key}")
}

fn text<'a>(m: &'a serde_json::Map<String, Value>, key: &str) -> &'a str {
    m.get(key).and_then(Value::as_str).map_or("", str::trim)
}

fn one_of(
    m: &serde_json::Map<String, Value>,
    block: &str,
    key: &str,
    allowed: &[&str],
) -> Result<(), Refusal> {
    let v = text(m, key);
    if allowed.contains(&v) {
        Ok(())
    } else {
        Err((
            field(block, key),
            format!("'{v}' is not one of {}", allowed.join(", ")),
        ))
    }
}

fn country(m: &serde_json::Map<String, Value>, block: &str, key: &str) -> Result<(), Refusal> {
    let v = text(m, key);
    if v.len() == 2 && v.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(())
    } else {
        Err((
            field(block, key),
            "expected a two-letter country code".into(),
        ))
    }
}

fn required(m: &serde_json::Map<String, Value>, block: &str, key: &str) -> Result<(), Refusal> {
    if text(m, key).is_empty() {
        Err((field(block, key), "required".into()))
    } else {
        Ok(())
    }
}

/// Checks `tld_data` (as JSON) for `domain`. With `strict` (MODIFY data=tld_data)
/// a block of another TLD, or one OpenSRS does not document, is refused; without
/// it (a registration or transfer, where clients send every block their form has)
/// such a block is kept unchecked, and only the domain's own TLD's are checked.
pub fn check(domain: &str, data: &Value, strict: bool) -> Result<(), Refusal> {
    let Some(blocks) = data.as_object() else {
        return Err(("tld_data".into(), "expected a dt_assoc of blocks".into()));
    };
    let tld = tld_of(domain);
    for (block, v) in blocks {
        if !BLOCKS.contains(&block.as_str()) {
            if !strict {
                continue;
            }
            return Err((
                format!("tld_data.{block}"),
                format!(
                    "not a TLD data block; expected one of {}",
                    BLOCKS.join(", ")
                ),
            ));
        }
        match block_tld(block) {
            Some(t) if t != tld => {
                if strict {
                    return Err((
                        format!("tld_data.{block}"),
                        format!("is for .{t} domains, not .{tld}"),
                    ));
                }
                continue;
            }
            _ => {}
        }
        check_block(block, v)?;
    }
    Ok(())
}

fn check_block(block: &str, v: &Value) -> Result<(), Refusal> {
    if block == "forwarding_email" {
        let e = v.as_str().unwrap_or("").trim();
        return if crate::mail::plausible_address(e) {
            Ok(())
        } else {
            Err((
                "tld_data.forwarding_email".into(),
                "not an email address".into(),
            ))
        };
    }
    let Some(m) = v.as_object() else {
        // The blocks kept as sent may be scalars (br_register_number, ie_cro_number).
        return if block_tld(block).is_some() {
            Err((format!("tld_data.{block}"), "expected a dt_assoc".into()))
        } else {
            Ok(())
        };
    };
    match block {
        "nexus" => {
            one_of(m, block, "category", NEXUS_CATEGORIES)?;
            one_of(m, block, "app_purpose", NEXUS_PURPOSES)?;
            // A foreign entity names the country its US presence answers to.
            if matches!(text(m, "category"), "C31" | "C32") {
                country(m, block, "validator")?;
            }
        }
        "it_registrant_info" => {
            one_of(
                m,
                block,
                "entity_type",
                &["1", "2", "3", "4", "5", "6", "7"],
            )?;
            required(m, block, "reg_code")?;
            if !text(m, "nationality_code").is_empty() {
                country(m, block, "nationality_code")?;
            }
        }
        "ced_info" => {
            one_of(m, block, "contact_type", CED_CONTACT_TYPES)?;
            one_of(m, block, "legal_entity_type", CED_ENTITY_TYPES)?;
            one_of(m, block, "id_type", CED_ID_TYPES)?;
            required(m, block, "id_number")?;
            country(m, block, "locality_country")?;
        }
        "au_registrant_info" => {
            required(m, block, "registrant_name")?;
            required(m, block, "eligibility_type")?;
        }
        _ => {}
    }
    Ok(())
}

/// The TLD a per-domain setting belongs to (`None`: any TLD).
pub fn setting_tld(what: &str) -> Option<&'static str> {
    match what {
        "nexus_info" => Some("us"),
        "ced_info" => Some("asia"),
        "forwarding_email" => Some("name"),
        "ca_whois_display_setting" | "cira_registrant" => Some("ca"),
        "it_whois_display_setting" => Some("it"),
        "change_ips_tag" => Some("uk"),
        "xpack_waiting_history" => Some("dk"),
        _ => None,
    }
}

/// Refuses `what` on a domain of another TLD.
pub fn for_tld(what: &str, domain: &str) -> Result<(), String> {
    match setting_tld(what) {
        Some(t) if tld_of(domain) != t => {
            Err(format!("{what} is for .{t} domains; {domain} is not one"))
        }
        _ => Ok(()),
    }
}

/// The registrant agreement email CIRA asks the admin contact of a new .ca domain
/// to answer (SEND_CIRA_APPROVAL_EMAIL sends it again).
pub fn cira_approval_mail(domain: &str, to: &str) -> crate::store::Mail {
    crate::store::Mail {
        to: to.to_string(),
        subject: format!("CIRA registrant agreement for {domain}"),
        body: format!(
            "Hello,\n\nThe Canadian Internet Registration Authority asks the registrant of \
             {domain} to accept its Registrant Agreement. In this sandbox the agreement is \
             taken as accepted; this message is the one a registrant would receive.\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn us_nexus_is_checked_on_us_domains() {
        let ok = json!({"nexus": {"category": "C11", "app_purpose": "P3"}});
        assert!(check("a.us", &ok, true).is_ok());
        let bad = json!({"nexus": {"category": "C99", "app_purpose": "P3"}});
        assert_eq!(
            check("a.us", &bad, true).map_err(|e| e.0),
            Err("tld_data.nexus.category".to_string())
        );
        let foreign = json!({"nexus": {"category": "C31", "app_purpose": "P1"}});
        assert_eq!(
            check("a.us", &foreign, true).map_err(|e| e.0),
            Err("tld_data.nexus.validator".to_string())
        );
        // Another TLD's block: refused by MODIFY, kept by a registration.
        assert!(check("a.com", &bad, true).is_err());
        assert!(check("a.com", &bad, false).is_ok());
        assert!(check("a.com", &json!({"nonsense": {}}), true).is_err());
        assert!(check("a.com", &json!({"nonsense": {}}), false).is_ok());
    }

    #[test]
    fn it_asia_and_name_blocks() {
        let it =
            json!({"it_registrant_info": {"entity_type": "1", "reg_code": "RSSMRA80A01H501U"}});
        assert!(check("a.it", &it, true).is_ok());
        let it = json!({"it_registrant_info": {"entity_type": "9", "reg_code": "x"}});
        assert!(check("a.it", &it, true).is_err());
        let asia = json!({"ced_info": {"contact_type": "owner", "legal_entity_type": "corporation",
            "id_type": "certificate", "id_number": "123", "locality_country": "SG"}});
        assert!(check("a.asia", &asia, true).is_ok());
        assert!(
            check(
                "a.name",
                &json!({"forwarding_email": "me@example.net"}),
                true
            )
            .is_ok()
        );
        assert!(check("a.name", &json!({"forwarding_email": "nope"}), true).is_err());
        assert!(for_tld("nexus_info", "a.com").is_err());
        assert!(for_tld("nexus_info", "a.us").is_ok());
    }
}
