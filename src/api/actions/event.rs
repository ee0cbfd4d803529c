//! POLL and ACK (object EVENT): the reseller's unacknowledged events, oldest first,
//! and settling one of them.

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::{ApiError, Ctx, Layout, Reply};
use crate::ops::{Map, Value};
use crate::store::{Event, StoreError};

/// Most events one POLL returns (the documented range is 1–100).
const MAX_LIMIT: i64 = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventPoll {
    pub limit: usize,
}

impl crate::api::Handler for EventPoll {
    const NAME: &'static str = "POLL";
    const POLL: bool = true;

    fn parse(_env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let limit = match f.opt_str("limit")? {
            None => 1,
            Some(_) => f.req_id("limit")?,
        };
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(f.invalid("limit", "expected 1 to 100"));
        }
        Ok(EventPoll {
            limit: usize::try_from(limit).unwrap_or(1),
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let (events, total) = ctx.app.store.poll_events(ctx.reseller.id, self.limit)?;
        let mut attrs = Map::with_capacity(2);
        attrs.insert(
            "events".into(),
            Value::List(events.iter().map(event_value).collect()),
        );
        attrs.insert("total".into(), Value::from(total));
        let ok = codes::EVENT_OK;
        // The documented examples' form: `2014-06-19 11:31:44 27661 101`.
        Ok(
            Reply::ok((ok.code, ok.text), attrs, Layout::CodeSuccessAttrs)
                .with_transaction_id(ctx.app.now()),
        )
    }
}

/// One event as a `dt_assoc`; `object_data`'s JSON scalars become strings.
fn event_value(e: &Event) -> Value {
    let mut m = Map::with_capacity(5);
    m.insert("event_id".into(), e.event_id.as_str().into());
    m.insert("event".into(), e.event.as_str().into());
    m.insert("object".into(), e.object.as_str().into());
    m.insert("event_date".into(), crate::clock::iso8601(e.at).into());
    let data = e
        .object_data()
        .into_iter()
        .map(|(k, v)| {
            let s = match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            (k.into(), Value::from(s))
        })
        .collect();
    m.insert("object_data".into(), Value::Map(data));
    Value::Map(m)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventAck {
    pub event_id: String,
}

impl crate::api::Handler for EventAck {
    const NAME: &'static str = "ACK";

    fn parse(_env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let id = f.req_str("event_id")?.trim();
        if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(f.invalid("event_id", "expected 32 hex digits"));
        }
        Ok(EventAck {
            event_id: id.to_ascii_lowercase(),
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        // Another reseller's event is answered exactly like a missing one.
        match ctx
            .app
            .store
            .ack_event(ctx.reseller.id, &self.event_id, ctx.app.now())
        {
            Ok(()) => Ok(Reply::ok_without_attributes(
                codes::EVENT_OK.code,
                codes::EVENT_OK.text,
                Layout::CodeSuccessAttrs,
            )),
            Err(StoreError::NotFound) => Err(ApiError::NotFound(codes::EVENT_NOT_FOUND)),
            Err(e) => Err(e.into()),
        }
    }
}
