//! NAME_SUGGEST (object DOMAIN): the services `lookup` (the search string in each
//! TLD), `suggestion` (related free names) and `premium` (registry-premium names
//! with their prices). The sandbox's suggestions are deterministic: the same
//! request always lists the same names, in the same order, so a test can expect
//! them. Every name's status is what LOOKUP would answer.

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
/// The most TLDs one request may name. Only TLDs the sandbox registry offers are
/// searched (others are passed over, as the real server passes over what it does
/// not sell), so a reply lists at most [`MAX_ITEMS`] names per service, each of a
/// label the request names and a TLD of the offered set: never more than a small
/// multiple of what the request could name.
const MAX_TLDS: usize = 50;
/// The longest `search_key` echoed back.
const MAX_SEARCH_KEY: usize = 64;
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
}

impl Service {
    fn key(self) -> &'static str {
        match self {
            Service::Lookup => "lookup",
            Service::Suggestion => "suggestion",
            Service::Premium => "premium",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameSuggest {
    /// The search string's first label, lower-cased and checked.
    label: String,
    tlds: Vec<String>,
    services: Vec<Service>,
    maximum: usize,
    search_key: Option<String>,
}

impl NameSuggest {
    pub fn parse(f: &Fields<'_>) -> Result<Self, ApiError> {
        let search = f.req_str("searchstring")?.trim();
        // "example.com" searches for "example".
        let label = search.split('.').next().unwrap_or(search).to_lowercase();
        let label: String = label.chars().filter(|c| !c.is_whitespace()).collect();
        DomainName::parse(&format!("{label}.com"))
            .map_err(|_| f.invalid("searchstring", "is not a name that can be registered"))?;
        let tlds = match f.opt_list("tlds")? {
            None => DEFAULT_TLDS.iter().map(|t| (*t).to_string()).collect(),
            Some(list) => {
                if list.len() > MAX_TLDS {
                    return Err(f.invalid("tlds", &format!("at most {MAX_TLDS} are allowed")));
                }
                let mut out = Vec::with_capacity(list.len());
                for (i, v) in list.iter().enumerate() {
                    let t = v
                        .as_str()
                        .map(|s| s.trim().trim_start_matches('.').to_lowercase())
                        .filter(|s| !s.is_empty())
                        .ok_or_else(|| {
                            ApiError::invalid(format!("tlds[{i}]"), "expected a TLD such as .com")
                        })?;
                    if crate::domain::offered_tld(&t) && !out.contains(&t) {
                        out.push(t);
                    }
                }
                out
            }
        };
        let services = match f.opt_list("services")? {
            None => vec![Service::Lookup, Service::Suggestion],
            Some(list) => {
                let mut out = Vec::with_capacity(list.len());
                for (i, v) in list.iter().enumerate() {
                    let s = match v.as_str().map(|s| s.trim().to_ascii_lowercase()).as_deref() {
                        Some("lookup") => Service::Lookup,
                        Some("suggestion") => Service::Suggestion,
                        Some("premium") => Service::Premium,
                        _ => {
                            return Err(ApiError::invalid(
                                format!("services[{i}]"),
                                "expected lookup, suggestion or premium",
                            ));
                        }
                    };
                    if !out.contains(&s) {
                        out.push(s);
                    }
                }
                out
            }
        };
        let maximum = match f.opt_str("maximum")? {
            None => 10,
            // Capped, never refused.
            Some(_) => usize::try_from(f.req_id("maximum")?).unwrap_or(MAX_ITEMS),
        }
        .clamp(1, MAX_ITEMS);
        Ok(NameSuggest {
            label,
            tlds,
            services,
            maximum,
            search_key: f
                .opt_str("search_key")?
                .map(|s| s.trim().chars().take(MAX_SEARCH_KEY).collect()),
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let mut attrs = Map::with_capacity(self.services.len());
        for service in &self.services {
            let items = self.items(ctx, *service)?;
            let mut section = Map::with_capacity(5);
            section.insert("count".into(), Value::from(items.len() as i64));
            section.insert("is_success".into(), Value::from("1"));
            section.insert("response_code".into(), Value::from("200"));
            section.insert(
                "response_text".into(),
                Value::from("Command completed successfully."),
            );
            section.insert("items".into(), Value::List(items));
            attrs.insert(service.key().into(), Value::Map(section));
        }
        let mut reply = Reply::done(codes::SUGGEST_OK, attrs);
        let key = self
            .search_key
            .clone()
            .unwrap_or_else(|| crate::auth::token_hash(&self.label)[..32].to_string());
        reply.extra = vec![
            ("is_search_completed".into(), Value::from("1")),
            ("search_key".into(), Value::from(key)),
            ("request_response_time".into(), Value::from("0.001")),
        ];
        Ok(reply)
    }

    fn items(&self, ctx: &Ctx<'_>, service: Service) -> Result<Vec<Value>, ApiError> {
        let names: Box<dyn Iterator<Item = String> + '_> = match service {
            Service::Lookup => Box::new(self.tlds.iter().map(|t| format!("{}.{t}", self.label))),
            Service::Suggestion => Box::new(PATTERNS.iter().flat_map(move |p| {
                let name = p.replace("{}", &self.label);
                self.tlds.iter().map(move |t| format!("{name}.{t}"))
            })),
            Service::Premium => Box::new(
                self.tlds
                    .iter()
                    .map(|t| format!("{}-premium.{t}", self.label)),
            ),
        };
        let mut out = Vec::new();
        for name in names {
            if out.len() >= self.maximum {
                break;
            }
            let Ok(a) = availability::of(ctx.app, &name)? else {
                // A TLD the registry does not offer has no names to list.
                continue;
            };
            let free = matches!(a, Availability::Available { .. });
            if service != Service::Lookup && !free {
                continue;
            }
            let mut item = Map::with_capacity(4);
            item.insert("domain".into(), Value::from(name.as_str()));
            super::lookup::describe(&a, &mut item);
            if service == Service::Premium {
                item.insert(
                    "price".into(),
                    Value::from(format_cents(price::order_cents(
                        &ctx.app.store,
                        &name,
                        "new",
                        1,
                        true,
                    )?)),
                );
            }
            out.push(Value::Map(item));
        }
        Ok(out)
    }
}

impl crate::api::Handler for NameSuggest {
    const NAME: &'static str = "NAME_SUGGEST";

    fn answers(action: &str, object: &str) -> bool {
        (action, object) == ("NAME_SUGGEST", "DOMAIN")
    }

    fn read(_env: &crate::ops::Envelope, attrs: &Fields<'_>) -> Result<Self, ApiError> {
        NameSuggest::parse(attrs)
    }

    fn run(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        self.apply(ctx)
    }
}
