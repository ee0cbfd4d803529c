//! LOOKUP (object DOMAIN): whether a name can be registered. Blesta checks its
//! connection with it. 210 available, 211 taken (`is_success` 1 all the same), 221
//! taken with a registration under way; for .ca, 246 available with a variant
//! registered (`rules::ca`: GET_CA_BLOCKER_LIST names it) and 247 available but
//! kept for a municipal government. The sandbox world decides (see
//! `rules::availability` and the markers in `sandbox`).

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::{ApiError, Ctx, Reply};
use crate::domain::DomainName;
use crate::ops::{Map, Value};
use crate::registry::Availability;
use crate::rules::availability::{self, Unanswered};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    pub domain: String,
}

/// The status items of one name, as LOOKUP and NAME_SUGGEST's lookup write them.
pub(crate) fn describe(a: &Availability, attrs: &mut Map) {
    attrs.insert("status".into(), Value::from(availability::status_word(a)));
    match a {
        Availability::Available { premium, claim, .. } => {
            if *premium {
                attrs.insert("reason".into(), Value::from("Premium Name"));
            }
            if *claim {
                attrs.insert("has_claim".into(), Value::from("1"));
            }
        }
        Availability::Taken { reason: Some(r) } => {
            attrs.insert("reason".into(), Value::from(r.as_str()));
        }
        Availability::Taken { reason: None } | Availability::Waiting => {}
    }
}

/// A name's TLD is not offered, or its registry is down: the refusal to answer.
pub(crate) fn unanswered(u: &Unanswered) -> ApiError {
    match u {
        Unanswered::NoService => ApiError::Refused(codes::TLD_NOT_SUPPORTED),
        Unanswered::Down => ApiError::Refused(codes::REGISTRY_DOWN),
    }
}

impl crate::api::Handler for Lookup {
    const NAME: &'static str = "LOOKUP";

    fn parse(_env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let domain = DomainName::parse(f.req_str("domain")?)
            .map_err(|e| f.invalid("domain", &e.to_string()))?;
        Ok(Lookup {
            domain: domain.name.to_string(),
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let a = availability::of(ctx.app, &self.domain)?.map_err(|u| unanswered(&u))?;
        let mut attrs = Map::with_capacity(4);
        describe(&a, &mut attrs);
        // A taken name always says why (empty when there is nothing to say), as the
        // documentation's replies do.
        if !matches!(a, Availability::Available { .. }) && !attrs.contains_key("reason") {
            attrs.insert("reason".into(), Value::from(""));
        }
        let premium = matches!(a, Availability::Available { premium: true, .. });
        attrs.insert(
            "price_status".into(),
            Value::from(if premium { "premium" } else { "fixed_price" }),
        );
        // Captured replies carry an empty `match` (the name as looked up matched
        // no other form of it); integrations written against them read it.
        attrs.insert("match".into(), Value::from(""));
        let code = match a {
            Availability::Available {
                municipal: true, ..
            } => codes::LOOKUP_CA_MUNICIPAL,
            Availability::Available { .. }
                if !crate::rules::ca::blockers(ctx.app, &self.domain)?.is_empty() =>
            {
                codes::LOOKUP_CA_BLOCKED
            }
            Availability::Available { .. } => codes::LOOKUP_AVAILABLE,
            Availability::Taken { .. } => codes::LOOKUP_TAKEN,
            Availability::Waiting => codes::LOOKUP_WAITING,
        };
        Ok(Reply::done(code, attrs))
    }
}
