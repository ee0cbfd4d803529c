//! The action table: every `(action, object[, variant])` opsd answers is one line of
//! one list (`actions/mod.rs`), naming the handler that answers it. A handler is a
//! type with a name and two functions — `parse` (the request from its envelope)
//! and `apply` (its work) — and nothing else; routing, the action's name for logs,
//! metrics, the journal and the coverage report, and the documented list all come
//! from the table.
//!
//! Adding an action is its file under `actions/` and its line in the table, the
//! one that starts `mod file` and so declares the module (and a line more for each
//! further pair or variant it answers).

use std::any::Any;

use super::fields::Fields;
use super::{ApiError, Ctx, Reply};
use crate::ops::Envelope;

/// What an action file gives.
pub trait Handler: Sized + Clone + PartialEq + std::fmt::Debug + Send + Sync + 'static {
    /// For logs, metrics, the journal and the coverage report.
    const NAME: &'static str;
    /// A read-only request that clients repeat byte for byte while they poll: its
    /// decoding is worth keeping (see `decoded`). Others may carry passwords, which
    /// are not kept beyond the request.
    const POLL: bool = false;
    /// The attribute whose values pick this action's variants (`type`, `data`,
    /// `reg_type`, `change_type`) and the values it answers: exactly the table's
    /// lines for it (a test holds them equal).
    const VARIANTS: (&'static str, &'static [&'static str]) = ("", &[]);
    /// The request from its envelope, `attrs` being its `attributes`.
    fn parse(env: &Envelope, attrs: &Fields<'_>) -> Result<Self, ApiError>;
    /// Its work: the reply, or the refusal.
    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError>;
}

/// Any handler, as the request path holds it.
trait Run: Send + Sync + std::fmt::Debug {
    fn apply(self: Box<Self>, ctx: &Ctx<'_>) -> Result<Reply, ApiError>;
    fn name(&self) -> &'static str;
    fn is_poll(&self) -> bool;
    fn clone_box(&self) -> Box<dyn Run>;
    fn as_any(&self) -> &dyn Any;
    fn same(&self, other: &dyn Run) -> bool;
}

impl<T: Handler> Run for T {
    fn apply(self: Box<Self>, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        Handler::apply(*self, ctx)
    }
    fn name(&self) -> &'static str {
        T::NAME
    }
    fn is_poll(&self) -> bool {
        T::POLL
    }
    fn clone_box(&self) -> Box<dyn Run> {
        Box::new(self.clone())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn same(&self, other: &dyn Run) -> bool {
        other.as_any().downcast_ref::<T>() == Some(self)
    }
}

/// A parsed request of any action.
#[derive(Debug)]
pub struct Action(Box<dyn Run>);

impl Clone for Action {
    fn clone(&self) -> Self {
        Action(self.0.clone_box())
    }
}

impl PartialEq for Action {
    fn eq(&self, other: &Self) -> bool {
        self.0.same(&*other.0)
    }
}

impl Eq for Action {}

/// One line of the table.
#[derive(Debug, Clone, Copy)]
pub struct Line {
    /// Upper case.
    pub action: &'static str,
    /// Upper case; `*` for any object, `` for none.
    pub object: &'static str,
    /// The attribute and value of this variant.
    pub variant: Option<(&'static str, &'static str)>,
    /// The handler's name.
    pub name: &'static str,
    /// The handler's own variants (see [`Handler::VARIANTS`]).
    pub variants: (&'static str, &'static [&'static str]),
    parse: fn(&Envelope, &Fields<'_>) -> Result<Action, ApiError>,
}

impl Line {
    /// A line of `T`.
    pub const fn of<T: Handler>(
        action: &'static str,
        object: &'static str,
        variant: Option<(&'static str, &'static str)>,
    ) -> Line {
        Line {
            action,
            object,
            variant,
            name: T::NAME,
            variants: T::VARIANTS,
            parse: parse_as::<T>,
        }
    }

    pub fn answers(&self, action: &str, object: &str) -> bool {
        self.action == action && (self.object == "*" || self.object == object)
    }

    /// `ACTION OBJECT[ key=value]`, as the documentation lists it.
    pub fn label(&self) -> String {
        let object = match self.object {
            "" => "(none)",
            o => o,
        };
        match self.variant {
            Some((k, v)) => format!("{} {object} {k}={v}", self.action),
            None => format!("{} {object}", self.action),
        }
    }
}

impl Line {
    /// Parses a request this line answers.
    pub fn parse(&self, env: &Envelope, attrs: &Fields<'_>) -> Result<Action, ApiError> {
        (self.parse)(env, attrs)
    }
}

fn parse_as<T: Handler>(env: &Envelope, attrs: &Fields<'_>) -> Result<Action, ApiError> {
    T::parse(env, attrs).map(|t| Action(Box::new(t)))
}

impl Action {
    /// Wraps a parsed request (tests, and requests made in code).
    pub fn new<T: Handler>(t: T) -> Action {
        Action(Box::new(t))
    }

    pub fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        self.0.apply(ctx)
    }

    /// See [`Handler::POLL`].
    pub fn is_poll(&self) -> bool {
        self.0.is_poll()
    }

    /// For logs and metrics.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// The request, when it is a `T`.
    pub fn downcast_ref<T: Handler>(&self) -> Option<&T> {
        self.0.as_any().downcast_ref::<T>()
    }
}

/// Writes the table: one line per `(action, object[, key = value])`, each naming
/// its handler (`"GET" "DOMAIN" [type = "status"] => get_domain::GetDomain;`). The
/// first line of an action's file starts with `mod file`, which declares the module:
/// a new action is its file and that one line.
macro_rules! table {
    ($( $(mod $module:ident)? $action:literal $object:literal $( [$key:tt = $value:literal] )? => $t:path ; )*) => {
        $( $( pub(crate) mod $module; )? )*

        /// Every `(action, object[, variant])` opsd answers, and its handler.
        pub const TABLE: &[$crate::api::table::Line] = &[
            $( $crate::api::table::Line::of::<$t>(
                $action,
                $object,
                $crate::api::table::variant!($( $key = $value )?),
            ), )*
        ];
    };
}

/// The variant of one table line.
macro_rules! variant {
    () => {
        None
    };
    ($key:tt = $value:literal) => {
        Some((stringify!($key), $value))
    };
}

pub(crate) use {table, variant};

#[cfg(test)]
mod tests {
    use super::super::actions::TABLE;

    /// No `(action, object[, variant])` is claimed twice; a handler's lines come
    /// together; its variants are exactly its lines.
    #[test]
    fn the_table_is_consistent() {
        let mut seen = std::collections::HashSet::new();
        for l in TABLE {
            assert!(seen.insert(l.label()), "{} claimed twice", l.label());
            assert_eq!(l.action, l.action.to_ascii_uppercase(), "{}", l.label());
            assert_eq!(l.object, l.object.to_ascii_uppercase(), "{}", l.label());
        }
        // A pair answered by one handler only (routing takes the first line).
        for a in TABLE {
            for b in TABLE {
                if a.action == b.action && (a.object == b.object || a.object == "*") {
                    assert_eq!(a.name, b.name, "{} and {}", a.label(), b.label());
                }
            }
        }
        let names: Vec<&str> = TABLE.iter().map(|l| l.name).collect();
        for n in &names {
            let own: Vec<&str> = TABLE
                .iter()
                .filter(|l| l.name == *n && l.variant.is_some())
                .map(|l| l.variant.map(|v| v.1).unwrap_or_default())
                .collect();
            let line = TABLE.iter().find(|l| l.name == *n).map(|l| l.variants);
            let (key, values) = line.unwrap_or(("", &[]));
            if !values.is_empty() || !own.is_empty() {
                let mut a = own.clone();
                let mut b = values.to_vec();
                a.sort_unstable();
                a.dedup();
                b.sort_unstable();
                assert_eq!(a, b, "{n}: the table's {key} variants and the handler's");
                assert!(
                    TABLE
                        .iter()
                        .filter(|l| l.name == *n && l.variant.is_some())
                        .all(|l| l.variant.map(|v| v.0) == Some(key))
                );
            }
        }
    }
}
