//! GET_NOTES (object DOMAIN): a page of the notes OpenSRS keeps of a domain, of one
//! of its orders or of one of its transfers (`type` domain, order or transfer),
//! newest first. The lifecycle writes them (`rules::notes`) with each change.
//!
//! Notes are the caller's own: a page only ever holds what the caller's own changes
//! wrote, so a name the caller never held answers an empty page (as the real server
//! does for a transfer it does not know), never another reseller's notes. A domain
//! named by cookie must be the caller's.

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::target::Named;
use crate::api::{ApiError, Ctx, Layout, Reply};
use crate::ops::{Map, Value};
use crate::status::NoteScope;

/// The documented page size.
const DEFAULT_LIMIT: i64 = 40;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetNotes {
    pub named: Named,
    pub scope: NoteScope,
    /// The order or transfer, for those types.
    pub id: Option<i64>,
    pub page: i64,
    pub limit: i64,
}

impl crate::api::Handler for GetNotes {
    const NAME: &'static str = "GET_NOTES";

    fn parse(env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let scope = match f.req_str("type")?.trim().to_ascii_lowercase().as_str() {
            "domain" => NoteScope::Domain,
            "order" => NoteScope::Order,
            "transfer" => NoteScope::Transfer,
            _ => return Err(f.invalid("type", "expected domain, order or transfer")),
        };
        let id = match scope {
            NoteScope::Domain => None,
            NoteScope::Order => Some(f.req_id("order_id")?),
            NoteScope::Transfer => Some(f.req_id("transfer_id")?),
        };
        // Pages of up to 40 by default; a client may ask for more at once.
        let (page, limit) = f.paging(DEFAULT_LIMIT, 1000)?;
        Ok(GetNotes {
            named: Named::read(env, f, &["domain"])?,
            scope,
            id,
            page,
            limit,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let domain = match &self.named {
            Named::Cookie(_) => self.named.resolve(ctx)?.name,
            Named::Domain(name) => name.clone(),
        };
        let page = ctx.app.store.notes(
            ctx.reseller.id,
            &domain,
            self.scope,
            self.id,
            (self.page - 1).saturating_mul(self.limit),
            self.limit,
        )?;
        let notes: Vec<Value> = page
            .notes
            .iter()
            .map(|n| {
                let mut m = Map::with_capacity(2);
                m.insert(
                    "timestamp".into(),
                    Value::from(crate::clock::opensrs_date(n.at)),
                );
                m.insert("note".into(), Value::from(n.note.as_str()));
                Value::Map(m)
            })
            .collect();
        let mut attrs = Map::with_capacity(4);
        attrs.insert("page_size".into(), Value::from(self.limit));
        attrs.insert("page".into(), Value::from(self.page));
        attrs.insert("notes".into(), Value::List(notes));
        attrs.insert("total".into(), Value::from(page.total));
        let ok = codes::COMMAND_OK;
        Ok(
            Reply::ok((ok.code, ok.text), attrs, Layout::CodeSuccessAttrs)
                .with_transaction_id(ctx.app.now()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Handler;
    use crate::ops::Envelope;

    fn parse(attrs: &[(&str, &str)]) -> Result<GetNotes, ApiError> {
        let env = Envelope::from_map(Map::new());
        let m: Map = attrs
            .iter()
            .map(|(k, v)| ((*k).into(), Value::from(*v)))
            .collect();
        GetNotes::parse(&env, &Fields::new(&m))
    }

    #[test]
    fn type_picks_the_scope_and_its_id() {
        let n = parse(&[("domain", "example.com"), ("type", "domain")])
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!((n.scope, n.id, n.page, n.limit), (NoteScope::Domain, None, 1, 40));
        let n = parse(&[
            ("domain", "example.com"),
            ("type", "transfer"),
            ("transfer_id", "37021"),
            ("page", "2"),
            ("limit", "5"),
        ])
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            (n.scope, n.id, n.page, n.limit),
            (NoteScope::Transfer, Some(37021), 2, 5)
        );
        assert!(matches!(
            parse(&[("domain", "example.com"), ("type", "order")]),
            Err(ApiError::Missing(_))
        ));
        assert!(parse(&[("domain", "example.com"), ("type", "everything")]).is_err());
        assert!(parse(&[("domain", "example.com")]).is_err());
    }
}
