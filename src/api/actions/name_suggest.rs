//! NAME_SUGGEST (object DOMAIN): the services `lookup` (the search string in each
//! TLD), `suggestion` (related free names), `premium` (registry-premium names with
//! their prices), `personal_names`, `premium_make_offer` and
//! `premium_brokered_transfer` (the sandbox has no such inventory: they answer
//! with no items). The sandbox's suggestions are deterministic: the same request
//! always lists the same names, in the same order, so a test can expect them.
//! Every name's status is what LOOKUP would answer.
//!
//! The search string is anything a person types: words with spaces, punctuation,
//! `random_domain`, a web or mail address. As the real server does, the label is
//! derived from it — its letters and digits run together (`randomdomain`) and, where
//! there were separators, joined by hyphens (`random-domain`) — and an address
//! gives its name (`www.example.com` searches `example`). A search is resumed by its
//! `search_key` alone: the key carries the search (no state is kept between calls,
//! so any instance can resume it).

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::{ApiError, Ctx, Reply};
use crate::domain::DomainName;
use crate::money::format_cents;
use crate::ops::{Map, Value};
use crate::registry::Availability;
use crate::rules::{availability, price};

/// The TLDs searched when the request names none.
const DEFAULT_TLDS: &[&str] = &["com", "net", "org"];
/// The most names one service lists, whatever `maximum` asks.
const MAX_ITEMS: usize = 100;
/// Names a service lists when the request asks no number.
const DEFAULT_MAXIMUM: usize = 10;
/// The most TLDs one request may name. Only TLDs the sandbox registry offers are
/// searched (others are passed over, as the real server passes over what it does
/// not sell), so a reply lists at most [`MAX_ITEMS`] names per service, each of a
/// label the request names and a TLD of the offered set: never more than a small
/// multiple of what the request could name.
const MAX_TLDS: usize = 50;
/// The longest search string read (a label is at most 63 characters).
const MAX_SEARCH: usize = 256;
/// How suggestions are made from the search string's label, in order.
const PATTERNS: &[&str] = &[
    "my{}", "get{}", "{}online", "the{}", "{}hq", "{}app", "{}site", "try{}", "{}hub", "go{}",
    "{}now", "{}world", "best{}", "{}shop", "{}group",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Service {
    Lookup,
    Suggestion,
    Premium,
    PersonalNames,
    PremiumMakeOffer,
    PremiumBrokeredTransfer,
}

impl Service {
    const ALL: [Service; 6] = [
        Service::Lookup,
        Service::Suggestion,
        Service::Premium,
        Service::PersonalNames,
        Service::PremiumMakeOffer,
        Service::PremiumBrokeredTransfer,
    ];

    fn key(self) -> &'static str {
        match self {
            Service::Lookup => "lookup",
            Service::Suggestion => "suggestion",
            Service::Premium => "premium",
            Service::PersonalNames => "personal_names",
            Service::PremiumMakeOffer => "premium_make_offer",
            Service::PremiumBrokeredTransfer => "premium_brokered_transfer",
        }
    }

    fn named(name: &str) -> Option<Service> {
        Service::ALL
            .into_iter()
            .find(|s| s.key().eq_ignore_ascii_case(name.trim()))
    }
}

/// One service asked for, with its own TLDs and count (`service_override`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Asked {
    service: Service,
    tlds: Vec<String>,
    maximum: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameSuggest {
    /// The labels searched: the search string's letters and digits run together,
    /// then its hyphenated form when there is one.
    labels: Vec<String>,
    asked: Vec<Asked>,
    search_key: String,
}

/// The labels a search string stands for (see the module's doc); empty when it
/// has no letter or digit.
fn labels_of(search: &str) -> Vec<String> {
    let mut s = search.trim().to_lowercase();
    for scheme in ["http://", "https://"] {
        if let Some(rest) = s.strip_prefix(scheme) {
            s = rest.to_string();
        }
    }
    if let Some((_, host)) = s.rsplit_once('@') {
        s = host.to_string();
    }
    let s = s.strip_prefix("www.").unwrap_or(&s).to_string();
    // A name with a dot (and no spaces) searches for its first label.
    let s = match s.split_once('.') {
        Some((first, _)) if !s.contains(char::is_whitespace) => first.to_string(),
        _ => s,
    };
    let joined: String = s.chars().filter(|c| c.is_alphanumeric()).collect();
    // Every run of separators (spaces, punctuation, `_`, `-`) becomes one hyphen.
    let mut hyphenated = String::new();
    for c in s.chars() {
        if c.is_alphanumeric() {
            hyphenated.push(c);
        } else if !hyphenated.is_empty() && !hyphenated.ends_with('-') {
            hyphenated.push('-');
        }
    }
    let hyphenated = hyphenated.trim_matches('-').to_string();
    let mut out = Vec::with_capacity(2);
    for l in [joined, hyphenated] {
        let l: String = l.chars().take(63).collect();
        if !l.is_empty() && DomainName::parse(&format!("{l}.com")).is_ok() && !out.contains(&l) {
            out.push(l);
        }
    }
    out
}

/// `tlds` as the request gives them (with or without dots), offered ones only.
fn tlds_of(f: &Fields<'_>, key: &str) -> Result<Option<Vec<String>>, ApiError> {
    // The real server takes a dt_array only: a dt_assoc is "Missing tld list."
    // (captured), whatever its keys.
    if let Some(Value::Map(m)) = f.get(key)
        && !m.is_empty()
    {
        return Err(ApiError::Refused(codes::SUGGEST_NO_TLDS));
    }
    let Some(list) = f.opt_list(key)? else {
        return Ok(None);
    };
    if list.len() > MAX_TLDS {
        return Err(f.invalid(key, &format!("at most {MAX_TLDS} are allowed")));
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, v) in list.iter().enumerate() {
        let t = v
            .as_str()
            .map(|s| s.trim().trim_start_matches('.').to_lowercase())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                ApiError::invalid(format!("{key}[{i}]"), "expected a TLD such as .com")
            })?;
        if crate::domain::offered_tld(&t) && !out.contains(&t) {
            out.push(t);
        }
    }
    Ok(Some(out))
}

fn maximum_of(f: &Fields<'_>) -> Result<Option<usize>, ApiError> {
    Ok(match f.opt_str("maximum")? {
        None => None,
        // Capped, never refused.
        Some(_) => Some(
            usize::try_from(f.req_id("maximum")?)
                .unwrap_or(MAX_ITEMS)
                .clamp(1, MAX_ITEMS),
        ),
    })
}

/// A search as its `search_key` carries it: `v1`, the labels, the services each
/// with its count and TLDs, as text the key hex-encodes.
fn key_text(labels: &[String], asked: &[Asked]) -> String {
    let services: Vec<String> = asked
        .iter()
        .map(|a| format!("{}:{}:{}", a.service.key(), a.maximum, a.tlds.join(",")))
        .collect();
    format!("v1|{}|{}", labels.join(","), services.join(";"))
}

fn encode_key(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

/// The search a key carries; `None` for a key opsd did not make.
fn decode_key(key: &str) -> Option<(Vec<String>, Vec<Asked>)> {
    if !key.len().is_multiple_of(2) || key.len() > 8192 {
        return None;
    }
    let bytes: Vec<u8> = (0..key.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(key.get(i..i + 2)?, 16).ok())
        .collect::<Option<_>>()?;
    let text = String::from_utf8(bytes).ok()?;
    let mut parts = text.split('|');
    if parts.next()? != "v1" {
        return None;
    }
    let labels: Vec<String> = parts.next()?.split(',').map(str::to_string).collect();
    let mut asked = Vec::new();
    for s in parts.next()?.split(';').filter(|s| !s.is_empty()) {
        let mut p = s.splitn(3, ':');
        let service = Service::named(p.next()?)?;
        let maximum = p.next()?.parse::<usize>().ok()?.clamp(1, MAX_ITEMS);
        let tlds = p
            .next()?
            .split(',')
            .filter(|t| crate::domain::offered_tld(t))
            .map(str::to_string)
            .collect();
        asked.push(Asked {
            service,
            tlds,
            maximum,
        });
    }
    let sane = labels
        .iter()
        .all(|l| DomainName::parse(&format!("{l}.com")).is_ok());
    (sane && !labels.is_empty()).then_some((labels, asked))
}

impl NameSuggest {
    fn items(&self, ctx: &Ctx<'_>, asked: &Asked) -> Result<Vec<Value>, ApiError> {
        let tlds = &asked.tlds;
        let names: Vec<String> = match asked.service {
            Service::Lookup => self
                .labels
                .iter()
                .flat_map(|l| tlds.iter().map(move |t| format!("{l}.{t}")))
                .collect(),
            Service::Suggestion => PATTERNS
                .iter()
                .flat_map(|p| {
                    let name = p.replace("{}", &self.labels[0]);
                    tlds.iter().map(move |t| format!("{name}.{t}"))
                })
                .collect(),
            Service::Premium => tlds
                .iter()
                .map(|t| format!("{}-premium.{t}", self.labels[0]))
                .collect(),
            // No personal names, offers or brokered names in the sandbox.
            Service::PersonalNames
            | Service::PremiumMakeOffer
            | Service::PremiumBrokeredTransfer => Vec::new(),
        };
        let mut out = Vec::new();
        for name in names {
            if out.len() >= asked.maximum {
                break;
            }
            let Ok(a) = availability::of(ctx.app, &name)? else {
                // A TLD the registry does not offer has no names to list.
                continue;
            };
            let free = matches!(a, Availability::Available { .. });
            if asked.service != Service::Lookup && !free {
                continue;
            }
            let mut item = Map::with_capacity(4);
            item.insert("domain".into(), Value::from(name.as_str()));
            item.insert("status".into(), Value::from(availability::status_word(&a)));
            match (&a, asked.service) {
                (Availability::Available { claim: true, .. }, Service::Lookup) => {
                    item.insert("has_claim".into(), Value::from("1"));
                }
                (Availability::Taken { reason: Some(r) }, Service::Lookup) => {
                    item.insert("reason".into(), Value::from(r.as_str()));
                }
                (Availability::Available { premium: true, .. }, Service::Premium) => {
                    item.insert(
                        "price".into(),
                        Value::from(format_cents(price::order_cents(
                            &ctx.app.store,
                            ctx.reseller.id,
                            &name,
                            "new",
                            1,
                            true,
                        )?)),
                    );
                }
                _ => {}
            }
            out.push(Value::Map(item));
        }
        Ok(out)
    }
}

impl crate::api::Handler for NameSuggest {
    const NAME: &'static str = "NAME_SUGGEST";

    fn parse(_env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let search = f.opt_str("searchstring")?;
        let key = f.opt_str("search_key")?.map(str::trim);
        // A search resumed by its key alone.
        if search.is_none() {
            let Some(key) = key else {
                return Err(ApiError::Missing("searchstring".into()));
            };
            let (labels, asked) = decode_key(key)
                .ok_or_else(|| f.invalid("search_key", "is not the key of a search"))?;
            return Ok(NameSuggest {
                labels,
                asked,
                search_key: key.to_string(),
            });
        }
        let search: String = search
            .unwrap_or_default()
            .chars()
            .take(MAX_SEARCH)
            .collect();
        let labels = labels_of(&search);
        if labels.is_empty() {
            return Err(f.invalid("searchstring", "has no letters or digits to search for"));
        }
        let tlds = tlds_of(f, "tlds")?
            .unwrap_or_else(|| DEFAULT_TLDS.iter().map(|t| (*t).to_string()).collect());
        let maximum = maximum_of(f)?.unwrap_or(DEFAULT_MAXIMUM);
        let services = match f.opt_list("services")? {
            None => vec![Service::Lookup, Service::Suggestion],
            Some(list) => {
                let mut out = Vec::with_capacity(list.len());
                for (i, v) in list.iter().enumerate() {
                    let s = v.as_str().and_then(Service::named).ok_or_else(|| {
                        ApiError::invalid(
                            format!("services[{i}]"),
                            "expected lookup, suggestion, premium, personal_names, premium_make_offer or premium_brokered_transfer",
                        )
                    })?;
                    if !out.contains(&s) {
                        out.push(s);
                    }
                }
                out
            }
        };
        // `service_override`: TLDs and a count of a service's own.
        let overrides = match f.get("service_override") {
            Some(Value::Map(m)) => Some(m),
            None => None,
            Some(Value::Scalar(s)) if s.trim().is_empty() => None,
            Some(other) => {
                return Err(f.invalid(
                    "service_override",
                    &format!("expected a dt_assoc, got {}", other.kind()),
                ));
            }
        };
        let mut asked = Vec::with_capacity(services.len());
        for service in services {
            let own = match overrides.and_then(|m| m.get(service.key())) {
                Some(v @ Value::Map(_)) => Some(Fields::item("service_override", 0, v)?),
                _ => None,
            };
            let own_tlds = match &own {
                Some(o) => tlds_of(o, "tlds")?,
                None => None,
            };
            let own_max = match &own {
                Some(o) => maximum_of(o)?,
                None => None,
            };
            asked.push(Asked {
                service,
                tlds: own_tlds.unwrap_or_else(|| tlds.clone()),
                maximum: own_max.unwrap_or(maximum),
            });
        }
        let search_key = match key {
            Some(k) if decode_key(k).is_some() => k.to_string(),
            _ => encode_key(&key_text(&labels, &asked)),
        };
        Ok(NameSuggest {
            labels,
            asked,
            search_key,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let mut attrs = Map::with_capacity(self.asked.len());
        let mut listed = 0usize;
        for asked in &self.asked {
            let items = self.items(ctx, asked)?;
            listed += items.len();
            let mut section = Map::with_capacity(5);
            section.insert("count".into(), Value::from(items.len() as i64));
            // The documentation's offer and brokered sections carry no is_success.
            if !matches!(
                asked.service,
                Service::PremiumMakeOffer | Service::PremiumBrokeredTransfer
            ) {
                section.insert("is_success".into(), Value::from("1"));
            }
            section.insert("response_code".into(), Value::from("200"));
            section.insert(
                "response_text".into(),
                Value::from("Command completed successfully."),
            );
            section.insert("items".into(), Value::List(items));
            attrs.insert(asked.service.key().into(), Value::Map(section));
        }
        let mut reply = Reply::done(codes::SUGGEST_OK, attrs).without_object();
        reply.extra = vec![
            ("is_search_completed".into(), Value::from("1")),
            ("search_key".into(), Value::from(self.search_key.clone())),
            // The registry's time the real server reports, made up the same way
            // every time (a millisecond a name) so that replies can be expected.
            (
                "request_response_time".into(),
                Value::from(format!("{:.3}", 0.001 * (listed.max(1) as f64))),
            ),
        ];
        Ok(reply)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_come_from_what_people_type() {
        assert_eq!(
            labels_of("search string"),
            ["searchstring", "search-string"]
        );
        assert_eq!(
            labels_of("random_domain"),
            ["randomdomain", "random-domain"]
        );
        assert_eq!(labels_of("abc&d !"), ["abcd", "abc-d"]);
        assert_eq!(labels_of("example"), ["example"]);
        assert_eq!(labels_of("https://www.example.com/x"), ["example"]);
        assert_eq!(labels_of("joe@example.org"), ["example"]);
        assert!(labels_of("!!! ???").is_empty());
    }

    #[test]
    fn a_key_carries_its_search() {
        let asked = vec![Asked {
            service: Service::Premium,
            tlds: vec!["com".into(), "net".into()],
            maximum: 7,
        }];
        let labels = vec!["example".to_string()];
        let key = encode_key(&key_text(&labels, &asked));
        assert_eq!(decode_key(&key), Some((labels, asked)));
        assert_eq!(decode_key("vgL2FeBzZ8JuS5lIluIEYhDc7Vg"), None);
        assert_eq!(decode_key("zz"), None);
    }
}
