//! DS records as OpenSRS takes them (MODIFY data=dnssec): a key tag below 65536, an
//! algorithm and a digest type of the documented lists, and a hex digest as long as
//! its type makes it. OpenSRS passes them on to the registry without checking them
//! against the zone; so does the sandbox.

use serde::{Deserialize, Serialize};

/// Algorithms OpenSRS lists (help.opensrs.com, "Configure DNSSEC in the API").
pub const ALGORITHMS: &[u8] = &[2, 3, 5, 6, 7, 8, 10, 13, 14, 253, 254];

/// The most DS records one domain keeps (ours: registries take a handful).
pub const MAX_RECORDS: usize = 16;

/// One DS record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DsRecord {
    pub key_tag: u16,
    pub algorithm: u8,
    pub digest_type: u8,
    /// Lower-case hex.
    pub digest: String,
}

/// Which field of a record is wrong, and why.
pub type Wrong = (&'static str, String);

fn number(field: &'static str, raw: &str) -> Result<u32, Wrong> {
    let t = raw.trim();
    if t.is_empty() || t.len() > 6 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err((field, "expected a whole number".into()));
    }
    t.parse()
        .map_err(|_| (field, "expected a whole number".into()))
}

/// A record from its four values as sent.
pub fn record(
    key_tag: &str,
    algorithm: &str,
    digest_type: &str,
    digest: &str,
) -> Result<DsRecord, Wrong> {
    let key_tag = u16::try_from(number("key_tag", key_tag)?)
        .map_err(|_| ("key_tag", "cannot exceed 65535".to_string()))?;
    let algorithm = u8::try_from(number("algorithm", algorithm)?)
        .ok()
        .filter(|a| ALGORITHMS.contains(a))
        .ok_or_else(|| {
            let list: Vec<String> = ALGORITHMS.iter().map(u8::to_string).collect();
            ("algorithm", format!("expected one of {}", list.join(", ")))
        })?;
    let (digest_type, hex_len) = match number("digest_type", digest_type)? {
        1 => (1, 40),
        2 => (2, 64),
        3 => (3, 64),
        4 => (4, 96),
        _ => return Err(("digest_type", "expected 1, 2, 3 or 4".into())),
    };
    let digest = digest.trim().to_ascii_lowercase();
    if digest.len() != hex_len || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err((
            "digest",
            format!("digest type {digest_type} takes {hex_len} hexadecimal characters"),
        ));
    }
    Ok(DsRecord {
        key_tag,
        algorithm,
        digest_type,
        digest,
    })
}

/// The records as stored (JSON).
pub fn to_json(records: &[DsRecord]) -> String {
    serde_json::to_string(records).unwrap_or_else(|_| "[]".into())
}

/// The stored records (none when nothing or something unreadable is stored).
pub fn from_json(stored: Option<&str>) -> Vec<DsRecord> {
    stored
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_and_what_is_refused() {
        let r = record("333", "5", "1", "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709");
        assert_eq!(
            r,
            Ok(DsRecord {
                key_tag: 333,
                algorithm: 5,
                digest_type: 1,
                digest: "da39a3ee5e6b4b0d3255bfef95601890afd80709".into()
            })
        );
        let sha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
        assert_eq!(
            record("65536", "5", "1", sha1).map_err(|e| e.0),
            Err("key_tag")
        );
        assert_eq!(
            record("-1", "5", "1", sha1).map_err(|e| e.0),
            Err("key_tag")
        );
        assert_eq!(
            record("1", "9", "1", sha1).map_err(|e| e.0),
            Err("algorithm")
        );
        assert_eq!(
            record("1", "5", "5", sha1).map_err(|e| e.0),
            Err("digest_type")
        );
        assert_eq!(record("1", "5", "2", sha1).map_err(|e| e.0), Err("digest"));
        assert_eq!(
            record("1", "13", "4", &"0g".repeat(48)).map_err(|e| e.0),
            Err("digest")
        );
        let list = vec![r.unwrap_or_else(|e| panic!("{e:?}"))];
        assert_eq!(from_json(Some(&to_json(&list))), list);
        assert!(from_json(Some("not json")).is_empty());
    }
}
