//! A hosted DNS zone's records, as OpenSRS's DNS service takes them
//! (CREATE/SET/RESET_DNS_ZONE `records`: A, AAAA, CNAME, MX, SRV, TXT, each a list
//! of entries with `subdomain` and the type's fields) and what a record may be:
//! a name inside the zone, a real address, a host name, numbers in range, a
//! CNAME alone at its name, at most [`MAX_RECORDS`] in a zone. Names are checked
//! with hickory's own DNS name type, as the DNS server will serve them.
//!
//! The checks read the request as JSON (`ops::Value::to_json`), so a refusal
//! names the record and field as the request spelt them:
//! `records.A[2].ip_address`.

use std::net::{Ipv4Addr, Ipv6Addr};

use hickory_proto::rr::Name;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// The most records a zone may hold (*chosen*: bounds a zone's memory).
pub const MAX_RECORDS: usize = 500;

/// The longest TXT text, in bytes (*chosen*; served as 255-byte strings).
pub const MAX_TXT: usize = 1_000;

/// The nameservers of the DNS service (FORCE_DNS_NAMESERVERS, as documented).
pub const SERVICE_NAMESERVERS: &[&str] = &[
    "ns1.systemdns.com",
    "ns2.systemdns.com",
    "ns3.systemdns.com",
];

/// The record types offered, in the order replies list them.
pub const TYPES: &[&str] = &["A", "AAAA", "CNAME", "MX", "SRV", "TXT"];

/// One record: its name relative to the zone (`""` the apex) and its data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub subdomain: String,
    #[serde(flatten)]
    pub data: Data,
}

/// A record's data, by type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Data {
    A {
        ip_address: Ipv4Addr,
    },
    #[serde(rename = "AAAA")]
    Aaaa {
        ipv6_address: Ipv6Addr,
    },
    #[serde(rename = "CNAME")]
    Cname {
        hostname: String,
    },
    #[serde(rename = "MX")]
    Mx {
        priority: u16,
        hostname: String,
    },
    #[serde(rename = "SRV")]
    Srv {
        priority: u16,
        weight: u16,
        port: u16,
        hostname: String,
    },
    #[serde(rename = "TXT")]
    Txt {
        text: String,
    },
}

impl Data {
    /// The type's name, as `records` keys it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Data::A { .. } => "A",
            Data::Aaaa { .. } => "AAAA",
            Data::Cname { .. } => "CNAME",
            Data::Mx { .. } => "MX",
            Data::Srv { .. } => "SRV",
            Data::Txt { .. } => "TXT",
        }
    }
}

/// A refusal: the field (`records.MX[0].priority`) and why.
pub type Refusal = (String, String);

/// The records of `records` (the request's `records`, as JSON) for the zone
/// `zone`, checked, exact repeats dropped, in the order sent.
pub fn parse(zone: &str, records: &Value) -> Result<Vec<Record>, Refusal> {
    let by_type = match records {
        Value::Object(m) => m,
        // An empty `records` (`<dt_assoc/>` may read as an empty string).
        Value::String(s) if s.trim().is_empty() => return Ok(Vec::new()),
        _ => return Err(("records".into(), "expected a list of record types".into())),
    };
    let mut out: Vec<Record> = Vec::new();
    for (key, entries) in by_type {
        let Some(kind) = type_of(key) else {
            return Err((
                format!("records.{key}"),
                format!(
                    "record type not offered; the types are {}",
                    TYPES.join(", ")
                ),
            ));
        };
        for (i, entry) in list(entries).into_iter().enumerate() {
            let field = |f: &str| format!("records.{key}[{i}].{f}");
            let Value::Object(e) = entry else {
                return Err((format!("records.{key}[{i}]"), "expected a record".into()));
            };
            if out.len() >= MAX_RECORDS {
                return Err((
                    "records".into(),
                    format!("a zone holds at most {MAX_RECORDS} records"),
                ));
            }
            let subdomain =
                subdomain(zone, text(e, "subdomain")).map_err(|why| (field("subdomain"), why))?;
            let data = data(kind, e, &field)?;
            let r = Record { subdomain, data };
            if !out.contains(&r) {
                out.push(r);
            }
        }
    }
    alone(&out)?;
    Ok(out)
}

/// The records in the shape replies carry them (`records`, types with none
/// left out, as OpenSRS's replies do).
pub fn to_ops(records: &[Record]) -> Value {
    let mut by_type = Map::new();
    for t in TYPES {
        let entries: Vec<Value> = records
            .iter()
            .filter(|r| r.data.type_name() == *t)
            .map(|r| {
                let mut v = serde_json::to_value(r).unwrap_or_else(|_| json!({}));
                if let Value::Object(m) = &mut v {
                    m.remove("type");
                    for n in ["priority", "weight", "port"] {
                        if let Some(x) = m.get(n).and_then(Value::as_u64) {
                            m.insert(n.into(), Value::String(x.to_string()));
                        }
                    }
                }
                v
            })
            .collect();
        if !entries.is_empty() {
            by_type.insert((*t).into(), Value::Array(entries));
        }
    }
    Value::Object(by_type)
}

/// The records of the reseller's DNS template `name`; `None` when it has no
/// template of that name (one without records has none).
pub fn template_records(
    store: &crate::store::Store,
    reseller_id: i64,
    name: &str,
) -> Result<Option<Vec<Record>>, crate::store::StoreError> {
    Ok(store
        .dns_template_records(reseller_id, name)?
        .map(|r| r.as_deref().map(from_json).unwrap_or_default()))
}

/// The zone a domain arriving with the DNS template `template` gets: the
/// template's records (JSON) and the zone's event. `None` when the reseller
/// has no template of that name.
pub fn from_template(
    store: &crate::store::Store,
    (reseller_id, domain): (i64, &str),
    template: &str,
    now: i64,
) -> Result<Option<(String, crate::store::NewEvent)>, crate::store::StoreError> {
    Ok(store
        .dns_template_records(reseller_id, template)?
        .map(|records| {
            let event = super::events::hosted_changed(
                reseller_id,
                domain,
                crate::store::Hosted::Zone,
                "created",
                now,
            );
            (records.unwrap_or_else(|| "[]".into()), event)
        }))
}

/// The records as the store keeps them (JSON).
pub fn to_json(records: &[Record]) -> String {
    serde_json::to_string(records).unwrap_or_else(|_| "[]".into())
}

/// The records the store keeps; none for a value that does not read.
pub fn from_json(stored: &str) -> Vec<Record> {
    serde_json::from_str(stored).unwrap_or_default()
}

/// The type a `records` key names; `SVR` is the SRV key two .NET clients send.
fn type_of(key: &str) -> Option<&'static str> {
    let key = key.trim().to_ascii_uppercase();
    if key == "SVR" {
        return Some("SRV");
    }
    TYPES.iter().copied().find(|t| *t == key)
}

/// The entries of one type: a list, a map of numbered entries, or one entry.
fn list(v: &Value) -> Vec<&Value> {
    numbered(v).unwrap_or_else(|| match v {
        Value::Object(_) => vec![v],
        // An empty list may read as an empty string.
        _ => Vec::new(),
    })
}

/// A list as the request sent it — a `dt_array`, or a `dt_assoc` of numbered
/// entries, in their order — or `None` for anything else.
pub(super) fn numbered(v: &Value) -> Option<Vec<&Value>> {
    match v {
        Value::Array(a) => Some(a.iter().collect()),
        Value::Object(m) if !m.is_empty() && m.keys().all(|k| k.parse::<usize>().is_ok()) => {
            let mut items: Vec<(usize, &Value)> = m
                .iter()
                .filter_map(|(k, v)| Some((k.parse().ok()?, v)))
                .collect();
            items.sort_by_key(|(i, _)| *i);
            Some(items.into_iter().map(|(_, v)| v).collect())
        }
        _ => None,
    }
}

/// The scalar `key` of an entry, trimmed; `""` when absent.
pub(super) fn text<'a>(e: &'a Map<String, Value>, key: &str) -> &'a str {
    e.get(key).and_then(Value::as_str).map_or("", str::trim)
}

/// A record's name relative to `zone`: `""` (or `@`) is the apex; a name ending
/// in a dot is absolute and must lie inside the zone.
fn subdomain(zone: &str, raw: &str) -> Result<String, String> {
    let raw = raw.to_ascii_lowercase();
    let relative = if raw.is_empty() || raw == "@" {
        String::new()
    } else if let Some(abs) = raw.strip_suffix('.') {
        if abs == zone {
            String::new()
        } else if let Some(rel) = abs.strip_suffix(&format!(".{zone}")) {
            rel.to_string()
        } else {
            return Err(format!("{raw} is not inside the zone {zone}"));
        }
    } else {
        raw.clone()
    };
    for (i, label) in relative.split('.').enumerate() {
        if relative.is_empty() {
            break;
        }
        let ok = (label == "*" && i == 0)
            || (!label.is_empty()
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        if !ok {
            return Err(format!(
                "'{raw}' is not a name: labels of letters, digits, '-' and '_' (a first label may be '*')"
            ));
        }
    }
    let full = if relative.is_empty() {
        format!("{zone}.")
    } else {
        format!("{relative}.{zone}.")
    };
    Name::from_ascii(&full).map_err(|e| format!("'{raw}' does not make a DNS name: {e}"))?;
    Ok(relative)
}

/// A host name a record points to: a DNS name, not an address.
fn hostname(raw: &str) -> Result<String, String> {
    let name = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    if name.is_empty() {
        return Err("a host name is required".into());
    }
    if name.parse::<std::net::IpAddr>().is_ok() {
        return Err(format!("'{raw}' is an address; a host name is required"));
    }
    let ok = name.split('.').all(|l| {
        !l.is_empty()
            && l.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    });
    if !ok {
        return Err(format!("'{raw}' is not a host name"));
    }
    Name::from_ascii(format!("{name}.")).map_err(|e| format!("'{raw}' is not a host name: {e}"))?;
    Ok(name)
}

fn number(e: &Map<String, Value>, key: &str) -> Result<u16, String> {
    let raw = text(e, key);
    raw.parse::<u16>()
        .map_err(|_| format!("'{raw}' is not a whole number from 0 to 65535"))
}

fn data(
    kind: &str,
    e: &Map<String, Value>,
    field: &dyn Fn(&str) -> String,
) -> Result<Data, Refusal> {
    let at = |f: &'static str| move |why: String| (field(f), why);
    Ok(match kind {
        "A" => {
            let raw = text(e, "ip_address");
            Data::A {
                ip_address: raw.parse().map_err(|_| {
                    (
                        field("ip_address"),
                        format!("'{raw}' is not an IPv4 address"),
                    )
                })?,
            }
        }
        "AAAA" => {
            let raw = text(e, "ipv6_address");
            Data::Aaaa {
                ipv6_address: raw.parse().map_err(|_| {
                    (
                        field("ipv6_address"),
                        format!("'{raw}' is not an IPv6 address"),
                    )
                })?,
            }
        }
        "CNAME" => Data::Cname {
            hostname: hostname(text(e, "hostname")).map_err(at("hostname"))?,
        },
        "MX" => Data::Mx {
            priority: number(e, "priority").map_err(at("priority"))?,
            hostname: hostname(text(e, "hostname")).map_err(at("hostname"))?,
        },
        "SRV" => Data::Srv {
            priority: number(e, "priority").map_err(at("priority"))?,
            weight: number(e, "weight").map_err(at("weight"))?,
            port: number(e, "port").map_err(at("port"))?,
            hostname: hostname(text(e, "hostname")).map_err(at("hostname"))?,
        },
        _ => {
            let raw = e.get("text").and_then(Value::as_str).unwrap_or("");
            if raw.is_empty() {
                return Err((field("text"), "a text is required".into()));
            }
            if raw.len() > MAX_TXT {
                return Err((field("text"), format!("longer than {MAX_TXT} bytes")));
            }
            if raw.chars().any(char::is_control) {
                return Err((field("text"), "control characters are not allowed".into()));
            }
            Data::Txt {
                text: raw.to_string(),
            }
        }
    })
}

/// A CNAME stands alone at its name, and never at the apex (which holds the
/// zone's SOA and NS).
fn alone(records: &[Record]) -> Result<(), Refusal> {
    for (i, r) in records.iter().enumerate() {
        if !matches!(r.data, Data::Cname { .. }) {
            continue;
        }
        let at = format!("records.CNAME (subdomain '{}')", r.subdomain);
        if r.subdomain.is_empty() {
            return Err((at, "a CNAME cannot be at the zone's apex".into()));
        }
        if records
            .iter()
            .enumerate()
            .any(|(j, o)| j != i && o.subdomain == r.subdomain)
        {
            return Err((at, "a CNAME must be the only record at its name".into()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_one(kind: &str, entry: Value) -> Result<Vec<Record>, Refusal> {
        let mut m = Map::new();
        m.insert(kind.into(), Value::Array(vec![entry]));
        parse("example.com", &Value::Object(m))
    }

    #[test]
    fn every_type_reads_and_writes_back() {
        let records = json!({
            "A": [{"subdomain": "", "ip_address": "192.0.2.1"}],
            "AAAA": [{"subdomain": "www1", "ipv6_address": "2001:db8::1"}],
            "CNAME": [{"subdomain": "www2", "hostname": "example.org"}],
            "MX": {"0": {"subdomain": "", "hostname": "mx.example.net.", "priority": "10"}},
            "SVR": [{"subdomain": "_sip._tcp", "hostname": "sip.example.net", "priority": "1", "weight": "3", "port": "5060"}],
            "TXT": [{"subdomain": "", "text": "v=spf1 -all"}],
        });
        let got = parse("example.com", &records).unwrap_or_default();
        assert_eq!(got.len(), 6);
        let back = to_ops(&got);
        assert_eq!(back["MX"][0]["hostname"], "mx.example.net");
        assert_eq!(back["MX"][0]["priority"], "10");
        assert_eq!(back["SRV"][0]["port"], "5060");
        assert!(back.get("type").is_none());
        assert_eq!(from_json(&to_json(&got)), got);
    }

    #[test]
    fn bad_records_are_named() {
        let field = |r: Result<Vec<Record>, Refusal>| r.err().map(|(f, _)| f).unwrap_or_default();
        assert_eq!(
            field(parse_one(
                "A",
                json!({"subdomain": "www", "ip_address": "300.1.1.1"})
            )),
            "records.A[0].ip_address"
        );
        assert_eq!(
            field(parse_one(
                "MX",
                json!({"hostname": "mx.example.net", "priority": "70000"})
            )),
            "records.MX[0].priority"
        );
        assert_eq!(
            field(parse_one(
                "MX",
                json!({"hostname": "192.0.2.1", "priority": "1"})
            )),
            "records.MX[0].hostname"
        );
        assert_eq!(
            field(parse_one(
                "A",
                json!({"subdomain": "www.other.org.", "ip_address": "192.0.2.1"})
            )),
            "records.A[0].subdomain"
        );
        assert_eq!(
            field(parse_one(
                "A",
                json!({"subdomain": "a".repeat(64), "ip_address": "192.0.2.1"})
            )),
            "records.A[0].subdomain"
        );
        assert_eq!(
            field(parse_one("TXT", json!({"text": "x".repeat(MAX_TXT + 1)}))),
            "records.TXT[0].text"
        );
        assert_eq!(field(parse_one("NS", json!({}))), "records.NS");
        let clash = json!({
            "CNAME": [{"subdomain": "www", "hostname": "example.org"}],
            "A": [{"subdomain": "www", "ip_address": "192.0.2.1"}],
        });
        assert!(field(parse("example.com", &clash)).starts_with("records.CNAME"));
    }

    #[test]
    fn names_inside_the_zone_and_a_bounded_count() {
        let abs = parse_one(
            "A",
            json!({"subdomain": "www.example.com.", "ip_address": "192.0.2.1"}),
        );
        assert_eq!(
            abs.ok()
                .and_then(|r| r.first().map(|r| r.subdomain.clone()))
                .as_deref(),
            Some("www")
        );
        let wild = parse_one(
            "A",
            json!({"subdomain": "*.shop", "ip_address": "192.0.2.1"}),
        );
        assert!(wild.is_ok());
        let many: Vec<Value> = (0..=MAX_RECORDS)
            .map(|i| json!({"subdomain": format!("h{i}"), "ip_address": "192.0.2.1"}))
            .collect();
        assert!(parse("example.com", &json!({"A": many})).is_err());
        // Exact repeats count once.
        let twice = json!({"A": [
            {"subdomain": "www", "ip_address": "192.0.2.1"},
            {"subdomain": "WWW", "ip_address": "192.0.2.1"},
        ]});
        assert_eq!(parse("example.com", &twice).map(|r| r.len()).ok(), Some(1));
    }
}
