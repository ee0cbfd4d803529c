//! The zones the DNS service answers for, as DNS records (hickory's types), and
//! the answer to one question: the records of the name and type asked, the
//! zone's SOA and NS at its apex, a CNAME for any type at its name, a wildcard's
//! records for a name the zone lacks, NODATA (the SOA as authority) for a name
//! with no record of the type, NXDOMAIN for a name the zone lacks, and REFUSED
//! for a zone not hosted here.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::sync::Arc;

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::rdata::{A, AAAA, CNAME, MX, NS, SOA, SRV, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};

use crate::rules::dns::{self, Data, SERVICE_NAMESERVERS};

/// The TTL of every record served (*chosen*), and the SOA's negative TTL.
pub const TTL: u32 = 3_600;
const NEGATIVE_TTL: u32 = 300;

/// Records, shared: an answer hands out the zone's own lists without copying
/// them (the bench's per-query cost).
pub type Records = Arc<[Record]>;

/// The records of one name: all of them, and by type.
#[derive(Debug, Clone, Default)]
struct Node {
    all: Vec<Record>,
    by_type: HashMap<RecordType, Records>,
}

impl Node {
    /// The node of the records `all`.
    fn of(all: Vec<Record>) -> Node {
        let mut by_type: HashMap<RecordType, Vec<Record>> = HashMap::new();
        for r in &all {
            by_type.entry(r.record_type()).or_default().push(r.clone());
        }
        let by_type = by_type
            .into_iter()
            .map(|(t, v)| (t, Records::from(v)))
            .collect();
        Node { all, by_type }
    }
}

/// One hosted zone, ready to answer from.
#[derive(Debug, Clone)]
pub struct Zone {
    soa: Records,
    ns: Records,
    /// Records by name relative to the apex (`""` the apex, `*.shop` a wildcard).
    names: HashMap<String, Node>,
    /// Names that exist only as parents of others (`b` for `a.b`).
    parents: HashSet<String>,
}

/// What the server sends back.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub code: ResponseCode,
    pub authoritative: bool,
    pub answers: Records,
    pub authority: Records,
}

impl Answer {
    fn refused() -> Answer {
        Answer {
            code: ResponseCode::Refused,
            authoritative: false,
            answers: Arc::from([]),
            authority: Arc::from([]),
        }
    }
}

fn name(s: &str) -> Option<Name> {
    Name::from_str(&format!("{}.", s.trim_end_matches('.'))).ok()
}

impl Zone {
    /// The zone of `apex` with its stored records (`rules::dns` JSON) and serial.
    /// `None` for a name that makes no DNS name.
    pub fn build(apex: &str, records: &str, serial: i64) -> Option<Zone> {
        let origin = name(apex)?;
        let soa = Record::from_rdata(
            origin.clone(),
            TTL,
            RData::SOA(SOA::new(
                name(SERVICE_NAMESERVERS[0])?,
                name(&format!("hostmaster.{apex}"))?,
                u32::try_from(serial.rem_euclid(1 << 32)).unwrap_or(1),
                7_200,
                3_600,
                1_209_600,
                NEGATIVE_TTL,
            )),
        );
        let ns: Vec<Record> = SERVICE_NAMESERVERS
            .iter()
            .filter_map(|n| {
                Some(Record::from_rdata(
                    origin.clone(),
                    TTL,
                    RData::NS(NS(name(n)?)),
                ))
            })
            .collect();
        let mut names: HashMap<String, Vec<Record>> = HashMap::new();
        let mut parents = HashSet::new();
        for r in dns::from_json(records) {
            let owner = if r.subdomain.is_empty() {
                origin.clone()
            } else {
                match name(&format!("{}.{apex}", r.subdomain)) {
                    Some(n) => n,
                    None => continue,
                }
            };
            let Some(rdata) = rdata(&r.data) else {
                continue;
            };
            let mut rest = r.subdomain.as_str();
            while let Some((_, parent)) = rest.split_once('.') {
                parents.insert(parent.to_string());
                rest = parent;
            }
            names
                .entry(r.subdomain.clone())
                .or_default()
                .push(Record::from_rdata(owner, TTL, rdata));
        }
        let names = names
            .into_iter()
            .map(|(n, all)| (n, Node::of(all)))
            .collect();
        Some(Zone {
            soa: Arc::from([soa]),
            ns: Records::from(ns),
            names,
            parents,
        })
    }

    /// The answer for `relative` (the asked name less the apex, lower case) and
    /// `qtype`; `asked` is the name as asked (a wildcard's records take it).
    fn answer(&self, relative: &str, asked: &Name, qtype: RecordType) -> Answer {
        let positive = |answers: Records| Answer {
            code: ResponseCode::NoError,
            authoritative: true,
            answers,
            authority: Arc::from([]),
        };
        let negative = |code| Answer {
            code,
            authoritative: true,
            answers: Arc::from([]),
            authority: self.soa.clone(),
        };
        let apex = relative.is_empty();
        if apex && qtype == RecordType::SOA {
            return positive(self.soa.clone());
        }
        if apex && qtype == RecordType::NS {
            return positive(self.ns.clone());
        }
        let node = match self.names.get(relative) {
            Some(node) => std::borrow::Cow::Borrowed(node),
            None if apex || self.parents.contains(relative) => {
                std::borrow::Cow::Owned(Node::default())
            }
            // A wildcard covers a name the zone lacks, at the closest level: its
            // records under the name asked.
            None => match self.wildcard(relative) {
                Some(w) => {
                    let all: Vec<Record> = w
                        .all
                        .iter()
                        .map(|r| {
                            let mut r = r.clone();
                            r.name = asked.clone();
                            r
                        })
                        .collect();
                    std::borrow::Cow::Owned(Node::of(all))
                }
                None => return negative(ResponseCode::NXDomain),
            },
        };
        if qtype != RecordType::CNAME
            && let Some(cname) = node.by_type.get(&RecordType::CNAME)
        {
            return positive(cname.clone());
        }
        if qtype == RecordType::ANY {
            let mut all: Vec<Record> = Vec::new();
            if apex {
                all.extend(self.soa.iter().cloned());
                all.extend(self.ns.iter().cloned());
            }
            all.extend(node.all.iter().cloned());
            return positive(Records::from(all));
        }
        match node.by_type.get(&qtype) {
            Some(rs) => positive(rs.clone()),
            None => negative(ResponseCode::NoError),
        }
    }

    /// The records of the wildcard closest to `relative`, if one covers it.
    fn wildcard(&self, relative: &str) -> Option<&Node> {
        let mut rest = relative;
        loop {
            let parent = rest.split_once('.').map_or("", |(_, p)| p);
            // A name that exists between stops the wildcard (RFC 4592).
            if !parent.is_empty()
                && (self.names.contains_key(parent) || self.parents.contains(parent))
            {
                let key = format!("*.{parent}");
                return self.names.get(&key);
            }
            let key = if parent.is_empty() {
                "*".to_string()
            } else {
                format!("*.{parent}")
            };
            if let Some(rs) = self.names.get(&key) {
                return Some(rs);
            }
            if parent.is_empty() {
                return None;
            }
            rest = parent;
        }
    }
}

fn rdata(d: &Data) -> Option<RData> {
    Some(match d {
        Data::A { ip_address } => RData::A(A(*ip_address)),
        Data::Aaaa { ipv6_address } => RData::AAAA(AAAA(*ipv6_address)),
        Data::Cname { hostname } => RData::CNAME(CNAME(name(hostname)?)),
        Data::Mx { priority, hostname } => RData::MX(MX::new(*priority, name(hostname)?)),
        Data::Srv {
            priority,
            weight,
            port,
            hostname,
        } => RData::SRV(SRV::new(*priority, *weight, *port, name(hostname)?)),
        // A TXT string holds at most 255 bytes: longer text is sent as several.
        Data::Txt { text } => RData::TXT(TXT::new(chunks(text, 255))),
    })
}

/// `text` in pieces of at most `max` bytes, cut on character boundaries.
fn chunks(text: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        if cur.len() + c.len_utf8() > max {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c);
    }
    out.push(cur);
    out
}

/// Every zone served, by apex (lower case, no final dot).
#[derive(Debug, Clone, Default)]
pub struct Zones {
    by_apex: HashMap<String, Zone>,
}

impl Zones {
    /// The zones of `(apex, records, serial)` rows.
    pub fn build(rows: &[(String, String, i64)]) -> Zones {
        Zones {
            by_apex: rows
                .iter()
                .filter_map(|(apex, records, serial)| {
                    Some((
                        apex.to_ascii_lowercase(),
                        Zone::build(apex, records, *serial)?,
                    ))
                })
                .collect(),
        }
    }

    /// How many zones are served.
    pub fn len(&self) -> usize {
        self.by_apex.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.by_apex.is_empty()
    }

    /// The answer to `asked` of type `qtype`: from the closest hosted zone that
    /// holds the name, else REFUSED.
    pub fn answer(&self, asked: &Name, qtype: RecordType) -> Answer {
        let text = asked.to_ascii().to_ascii_lowercase();
        let text = text.trim_end_matches('.');
        let mut rest = text;
        loop {
            if let Some(zone) = self.by_apex.get(rest) {
                let relative = text
                    .strip_suffix(rest)
                    .map(|r| r.trim_end_matches('.'))
                    .unwrap_or("");
                return zone.answer(relative, asked, qtype);
            }
            match rest.split_once('.') {
                Some((_, parent)) => rest = parent,
                None => return Answer::refused(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zones() -> Zones {
        let records = r#"[
            {"subdomain":"","type":"A","ip_address":"192.0.2.1"},
            {"subdomain":"www","type":"CNAME","hostname":"example.org"},
            {"subdomain":"","type":"MX","priority":10,"hostname":"mx.example.net"},
            {"subdomain":"a.deep","type":"TXT","text":"hello"},
            {"subdomain":"*.shop","type":"A","ip_address":"192.0.2.9"}
        ]"#;
        Zones::build(&[("zone.test".into(), records.into(), 7)])
    }

    fn ask(z: &Zones, q: &str, t: RecordType) -> Answer {
        z.answer(&Name::from_str(q).unwrap_or_default(), t)
    }

    #[test]
    fn answers_nodata_nxdomain_and_refused() {
        let z = zones();
        let a = ask(&z, "zone.test.", RecordType::A);
        assert_eq!(a.code, ResponseCode::NoError);
        assert_eq!(a.answers.len(), 1);
        assert!(a.authoritative);
        let soa = ask(&z, "ZONE.test.", RecordType::SOA);
        assert_eq!(
            soa.answers.first().map(Record::record_type),
            Some(RecordType::SOA)
        );
        assert_eq!(ask(&z, "zone.test.", RecordType::NS).answers.len(), 3);
        let cname = ask(&z, "www.zone.test.", RecordType::A);
        assert_eq!(
            cname.answers.first().map(Record::record_type),
            Some(RecordType::CNAME)
        );
        let nodata = ask(&z, "zone.test.", RecordType::AAAA);
        assert_eq!(nodata.code, ResponseCode::NoError);
        assert!(nodata.answers.is_empty());
        assert_eq!(nodata.authority.len(), 1);
        // A parent of a name exists, empty.
        assert_eq!(
            ask(&z, "deep.zone.test.", RecordType::A).code,
            ResponseCode::NoError
        );
        assert_eq!(
            ask(&z, "nope.zone.test.", RecordType::A).code,
            ResponseCode::NXDomain
        );
        assert_eq!(
            ask(&z, "other.test.", RecordType::A).code,
            ResponseCode::Refused
        );
        // A wildcard answers for names it covers, under the asked name.
        let wild = ask(&z, "x.shop.zone.test.", RecordType::A);
        assert_eq!(wild.answers.len(), 1);
        assert_eq!(
            wild.answers.first().map(|r| r.name.to_ascii()),
            Some("x.shop.zone.test.".into())
        );
        assert_eq!(
            ask(&z, "x.other.zone.test.", RecordType::A).code,
            ResponseCode::NXDomain
        );
    }

    #[test]
    fn long_text_is_cut_into_strings() {
        let parts = chunks(&"é".repeat(200), 255);
        assert!(parts.iter().all(|p| p.len() <= 255));
        assert_eq!(parts.concat(), "é".repeat(200));
    }
}
