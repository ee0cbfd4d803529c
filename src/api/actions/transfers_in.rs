//! GET_TRANSFERS_IN (object DOMAIN): the caller's transfer orders, newest first,
//! filtered by `domain`, `status`, `order_id` / `transfer_id` and the order date
//! (`order_from` / `order_to`, or `req_from` / `req_to` as the Python client sends),
//! paged by `limit` (at most 40) and `page` (from 1). Each entry carries the fields
//! of the captured reply, dates as `03-MAY-2011 12:06:12` beside their `_epoch`;
//! what is not known yet is empty (an epoch is `0`).

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::{ApiError, Ctx, Layout, Reply};
use crate::ops::{Map, Value};
use crate::rules::transfer::opensrs_status;
use crate::status::DomainStatus;
use crate::store::OrderView;

/// The largest page (the documented limit).
const MAX_LIMIT: i64 = 40;

/// `limit` (1 to 40, default 40) and `page` (from 1), and the filters both lists
/// take: the domain, the status and the request dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paging {
    pub limit: usize,
    pub page: usize,
    pub domain: Option<String>,
    pub status: Option<String>,
    /// Order dates, inclusive, as Unix day bounds.
    pub from: Option<i64>,
    pub to: Option<i64>,
}

impl Paging {
    /// The list reply of both transfer lists: this page of `matching`, each written
    /// by `entry`, with `page_size`, `page` and the `total` of all that matched.
    pub fn reply<T>(&self, matching: &[T], entry: impl Fn(&T) -> Value) -> Reply {
        let page: Vec<Value> = matching
            .iter()
            .skip((self.page - 1) * self.limit)
            .take(self.limit)
            .map(entry)
            .collect();
        let mut attrs = Map::with_capacity(4);
        attrs.insert("page_size".into(), Value::from(self.limit as i64));
        attrs.insert("page".into(), Value::from(self.page as i64));
        attrs.insert("transfers".into(), Value::List(page));
        attrs.insert("total".into(), Value::from(matching.len() as i64));
        let ok = codes::TRANSFERS_LISTED;
        Reply::ok((ok.code, ok.text), attrs, Layout::CodeSuccessAttrs)
    }

    pub fn parse(f: &Fields<'_>) -> Result<Self, ApiError> {
        let (page, limit) = f.paging(MAX_LIMIT, MAX_LIMIT)?;
        let date = |keys: [&str; 2], end: bool| -> Result<Option<i64>, ApiError> {
            for key in keys {
                if let Some(t) = f.day_bound(key, end)? {
                    return Ok(Some(t));
                }
            }
            Ok(None)
        };
        Ok(Paging {
            limit: usize::try_from(limit).unwrap_or(40),
            page: usize::try_from(page).unwrap_or(1),
            domain: f
                .opt_str("domain")?
                .map(|d| d.trim().to_ascii_lowercase())
                .filter(|d| !d.is_empty()),
            status: f
                .opt_str("status")?
                .map(|s| s.trim().to_ascii_lowercase())
                .filter(|s| !s.is_empty()),
            from: date(["order_from", "req_from"], false)?,
            to: date(["order_to", "req_to"], true)?,
        })
    }
}


/// A `<name>_from` / `<name>_to` pair of days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Days {
    pub from: Option<i64>,
    pub to: Option<i64>,
}

impl Days {
    fn parse(f: &Fields<'_>, name: &str) -> Result<Days, ApiError> {
        Ok(Days {
            from: f.day_bound(&format!("{name}_from"), false)?,
            to: f.day_bound(&format!("{name}_to"), true)?,
        })
    }

    /// Whether `at` is within the days given; an unknown time is not, once a
    /// bound is given.
    fn holds(self, at: Option<i64>) -> bool {
        match (self.from, self.to, at) {
            (None, None, _) => true,
            (_, _, None) => false,
            (from, to, Some(t)) => from.is_none_or(|f| t >= f) && to.is_none_or(|e| t <= e),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetTransfersIn {
    pub paging: Paging,
    pub order_id: Option<i64>,
    pub completed: Days,
    pub owner_request: Days,
    pub owner_confirm: Days,
    pub request_address: Option<String>,
    /// `*` wildcards; the sandbox names no losing registrar, so only `*` matches.
    pub losing_registrar: Option<String>,
}

impl GetTransfersIn {
    fn wanted(&self, o: &OrderView) -> bool {
        let p = &self.paging;
        p.domain.as_ref().is_none_or(|d| *d == o.domain)
            && p.status
                .as_ref()
                .is_none_or(|s| s == opensrs_status(o.status))
            && self.order_id.is_none_or(|id| id == o.id)
            && p.from.is_none_or(|t| o.created_at >= t)
            && p.to.is_none_or(|t| o.created_at <= t)
            && self.completed.holds(completed_at(o))
            && self.owner_request.holds(o.asked_at)
            && self.owner_confirm.holds(confirmed_at(o))
            && self
                .request_address
                .as_ref()
                .is_none_or(|a| o.request_address.as_deref() == Some(a.as_str()))
            && self
                .losing_registrar
                .as_ref()
                .is_none_or(|l| super::orders::wildcard(l, ""))
    }
}

fn completed_at(o: &OrderView) -> Option<i64> {
    (o.status == Some(DomainStatus::Completed))
        .then_some(o.status_at)
        .flatten()
}

fn confirmed_at(o: &OrderView) -> Option<i64> {
    o.decided_at
        .filter(|_| o.decision == Some(crate::status::RegistrantDecision::Accept))
}

/// One transfer, its keys in the captured reply's order.
fn entry(o: &OrderView) -> Value {
    let completed = completed_at(o);
    let mut m = Map::with_capacity(16);
    let mut date = |key: &str, at: Option<i64>| insert_date(&mut m, key, at);
    date("owner_request_date", o.asked_at);
    date("registry_request_date", confirmed_at(o));
    date("owner_confirm_date", confirmed_at(o));
    date("completed_date", completed);
    date("order_date", Some(o.created_at));
    m.insert("status".into(), Value::from(opensrs_status(o.status)));
    m.insert("owner_confirm_ip".into(), Value::from(""));
    m.insert(
        "request_address".into(),
        Value::from(o.request_address.clone().unwrap_or_default()),
    );
    m.insert("losing_registrar".into(), Value::from(""));
    m.insert("transfer_id".into(), Value::from(o.id));
    m.insert("domain".into(), Value::from(o.domain.as_str()));
    Value::Map(m)
}

/// A date of a transfer list entry: `key` as text (`03-MAY-2011 12:06:12`, empty
/// when unknown) and `key_epoch`, as the captured replies have them: empty when
/// unknown, but for `completed_date_epoch`, which is 0 then.
pub(super) fn insert_date(m: &mut Map, key: &str, at: Option<i64>) {
    m.insert(
        key.into(),
        Value::from(at.map(crate::clock::opensrs_date).unwrap_or_default()),
    );
    let epoch = match (at, key) {
        (Some(t), _) => Value::from(t),
        (None, "completed_date") => Value::from(0),
        (None, _) => Value::from(""),
    };
    m.insert(format!("{key}_epoch").into(), epoch);
}

impl crate::api::Handler for GetTransfersIn {
    const NAME: &'static str = "GET_TRANSFERS_IN";

    fn parse(_env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let order_id = match (f.opt_str("order_id")?, f.opt_str("transfer_id")?) {
            (Some(_), _) => Some(f.req_id("order_id")?),
            (None, Some(_)) => Some(f.req_id("transfer_id")?),
            (None, None) => None,
        };
        let text = |key: &str| -> Result<Option<String>, ApiError> {
            Ok(f.opt_str(key)?
                .map(|v| v.trim().to_ascii_lowercase())
                .filter(|v| !v.is_empty()))
        };
        Ok(GetTransfersIn {
            paging: Paging::parse(f)?,
            order_id,
            completed: Days::parse(f, "completed")?,
            owner_request: Days::parse(f, "owner_request")?,
            owner_confirm: Days::parse(f, "owner_confirm")?,
            request_address: text("request_address")?,
            losing_registrar: text("losing_registrar")?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        // A reseller's orders are few next to a request's own bounds; the filters
        // that need the derived status run here.
        let all = ctx.app.store.orders_of(ctx.reseller.id)?;
        let matching: Vec<&OrderView> = all
            .iter()
            .filter(|o| o.job_id.is_some() && self.wanted(o))
            .collect();
        Ok(self.paging.reply(&matching, |o| entry(o)))
    }
}
