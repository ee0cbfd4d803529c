//! The web pages' shared layer: templates embedded in the binary and rendered with
//! minijinja (HTML auto-escaped), form decoding, requests and HTML responses, and
//! (in `session`) logins with CSRF-protected forms. Pages work without JavaScript.

pub mod approval;
pub mod away;
pub mod claims;
pub mod dashboard;
pub mod domain;
pub mod journal;
pub mod mac;
pub mod panel;
pub mod password;
pub mod session;
pub mod verification;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::LazyLock;

use minijinja::Environment;

/// Every template with its source, embedded in the binary.
const SOURCES: &[(&str, &str)] = &[
    ("layout.html", include_str!("templates/layout.html")),
    ("approval.html", include_str!("templates/approval.html")),
    (
        "transfer_away.html",
        include_str!("templates/transfer_away.html"),
    ),
    (
        "approval_done.html",
        include_str!("templates/approval_done.html"),
    ),
    ("message.html", include_str!("templates/message.html")),
    ("verify.html", include_str!("templates/verify.html")),
    ("password.html", include_str!("templates/password.html")),
    ("claims.html", include_str!("templates/claims.html")),
    ("login.html", include_str!("templates/login.html")),
    ("console.html", include_str!("templates/console.html")),
    (
        "panel_layout.html",
        include_str!("templates/panel_layout.html"),
    ),
    (
        "panel_domains.html",
        include_str!("templates/panel_domains.html"),
    ),
    ("panel_move.html", include_str!("templates/panel_move.html")),
    (
        "panel_domain.html",
        include_str!("templates/panel_domain.html"),
    ),
    (
        "domain_detail.html",
        include_str!("templates/domain_detail.html"),
    ),
    (
        "dashboard_domain.html",
        include_str!("templates/dashboard_domain.html"),
    ),
    (
        "panel_push_settings.html",
        include_str!("templates/panel_push_settings.html"),
    ),
    (
        "panel_queue.html",
        include_str!("templates/panel_queue.html"),
    ),
    ("panel_job.html", include_str!("templates/panel_job.html")),
    ("mac_layout.html", include_str!("templates/mac_layout.html")),
    (
        "mac_company.html",
        include_str!("templates/mac_company.html"),
    ),
    (
        "mac_domains.html",
        include_str!("templates/mac_domains.html"),
    ),
    (
        "mac_confirm.html",
        include_str!("templates/mac_confirm.html"),
    ),
    ("mac_domain.html", include_str!("templates/mac_domain.html")),
    ("mac_user.html", include_str!("templates/mac_user.html")),
    (
        "dashboard_layout.html",
        include_str!("templates/dashboard_layout.html"),
    ),
    (
        "dashboard_transfers.html",
        include_str!("templates/dashboard_transfers.html"),
    ),
    (
        "dashboard_job.html",
        include_str!("templates/dashboard_job.html"),
    ),
    (
        "dashboard_bulk.html",
        include_str!("templates/dashboard_bulk.html"),
    ),
    (
        "dashboard_orders.html",
        include_str!("templates/dashboard_orders.html"),
    ),
    (
        "dashboard_resellers.html",
        include_str!("templates/dashboard_resellers.html"),
    ),
    (
        "dashboard_webhooks.html",
        include_str!("templates/dashboard_webhooks.html"),
    ),
    (
        "dashboard_outbox.html",
        include_str!("templates/dashboard_outbox.html"),
    ),
    (
        "dashboard_mail.html",
        include_str!("templates/dashboard_mail.html"),
    ),
    (
        "dashboard_audit.html",
        include_str!("templates/dashboard_audit.html"),
    ),
    (
        "dashboard_clock.html",
        include_str!("templates/dashboard_clock.html"),
    ),
    (
        "journal_list.html",
        include_str!("templates/journal_list.html"),
    ),
    (
        "journal_entry.html",
        include_str!("templates/journal_entry.html"),
    ),
    ("coverage.html", include_str!("templates/coverage.html")),
    (
        "dashboard_faults.html",
        include_str!("templates/dashboard_faults.html"),
    ),
];

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for &(name, source) in SOURCES {
        // The templates are part of the binary and tested; a syntax error is a
        // build defect that the page tests catch.
        if let Err(e) = env.add_template(name, source) {
            tracing::error!(template = name, error = %e, "template does not compile");
        }
    }
    env
});

/// A rendered page: HTTP status, HTML, and extra headers (cookies, redirects).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub status: u16,
    pub html: String,
    pub headers: Vec<(&'static str, String)>,
}

impl Page {
    /// `303 See Other` to `location`: the answer to a successful form POST, so that
    /// reloading the next page does not post again.
    pub fn redirect(location: &str) -> Page {
        Page {
            status: 303,
            html: String::new(),
            headers: vec![("Location", location.to_string())],
        }
    }

    pub fn with_header(mut self, name: &'static str, value: String) -> Page {
        self.headers.push((name, value));
        self
    }
}

/// Decoded `application/x-www-form-urlencoded` pairs (a body or a query string), in
/// order; names may repeat (check boxes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form(Vec<(String, String)>);

impl Form {
    pub fn parse(bytes: &[u8]) -> Form {
        Form(
            form_urlencoded::parse(bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One request to a page, as the HTTP layer hands it over.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub post: bool,
    pub path: String,
    pub query: Form,
    /// The form body of a POST (empty for GET).
    pub form: Form,
    pub cookies: HashMap<String, String>,
    pub peer: IpAddr,
    /// Reached over TLS: cookies get the `Secure` attribute.
    pub secure: bool,
}

/// Renders `template` with `ctx`; a rendering fault becomes a plain 500 page.
pub fn render(status: u16, template: &str, ctx: minijinja::Value) -> Page {
    match TEMPLATES.get_template(template).and_then(|t| t.render(ctx)) {
        Ok(html) => Page {
            status,
            html,
            headers: Vec::new(),
        },
        Err(e) => {
            tracing::error!(template, error = %e, "page rendering failed");
            Page {
                status: 500,
                html: "<!doctype html><title>Error</title><p>Something went wrong on our side.</p>"
                    .into(),
                headers: Vec::new(),
            }
        }
    }
}

/// The page for a storage failure in `area`: a fixed text for the visitor, the
/// detail in the log.
pub fn store_failure(area: &str, e: &crate::store::StoreError) -> Page {
    tracing::error!(area, error = %e, "page: store failure");
    message(
        500,
        "Try again later",
        "We could not load this page right now. Please try again in a few minutes.",
    )
}

/// Unix seconds as the pages show times: `YYYY-MM-DD HH:MM:SS` (UTC).
pub fn time(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .map(crate::clock::format_timestamp)
        .unwrap_or_default()
}

/// The positive id in `{prefix}{id}{suffix}` (`/panel/queue/12/cancel`).
pub fn path_id(path: &str, prefix: &str, suffix: &str) -> Option<i64> {
    path.strip_prefix(prefix)?
        .strip_suffix(suffix)?
        .parse()
        .ok()
        .filter(|id| *id > 0)
}

/// A page address that leads nowhere (or to something of another account).
pub fn not_found() -> Page {
    message(404, "Not found", "There is no such page.")
}

/// A short page with a heading and one paragraph.
pub fn message(status: u16, title: &str, text: &str) -> Page {
    render(status, "message.html", minijinja::context! { title, text })
}

/// Parses a `Cookie` header value into names and values.
pub fn cookies(header: &str) -> HashMap<String, String> {
    header
        .split(';')
        .filter_map(|c| {
            let (k, v) = c.split_once('=')?;
            Some((k.trim().to_string(), v.trim().to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles_and_escapes() {
        let p = message(200, "<b>t</b>", "a & b");
        assert_eq!(p.status, 200);
        assert!(
            p.html.contains("&lt;b&gt;t&lt;") && !p.html.contains("<b>t"),
            "{}",
            p.html
        );
        assert!(p.html.contains("a &amp; b"));
        for (name, _) in SOURCES {
            assert!(TEMPLATES.get_template(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn path_ids() {
        let q = "/panel/queue/";
        assert_eq!(path_id("/panel/queue/12", q, ""), Some(12));
        assert_eq!(path_id("/panel/queue/12/cancel", q, "/cancel"), Some(12));
        assert_eq!(path_id("/panel/queue/12/cancel", q, ""), None);
        assert_eq!(path_id("/panel/queue/0", q, ""), None);
        assert_eq!(path_id("/panel/queue/x", q, ""), None);
        assert_eq!(path_id("/panel/other/1", q, ""), None);
    }

    #[test]
    fn forms() {
        let f = Form::parse(b"action=do_confirm_bulk_transfer&unique_id=ab%20c&x=1&x=2");
        assert_eq!(f.get("unique_id"), Some("ab c"));
        assert_eq!(f.get("x"), Some("1"));
        assert_eq!(f.all("x").collect::<Vec<_>>(), ["1", "2"]);
        assert_eq!(f.get("nope"), None);
    }

    #[test]
    fn cookie_header() {
        let c = cookies("a=1; opsd_panel=abc ;bad; b = 2");
        assert_eq!(c.get("opsd_panel").map(String::as_str), Some("abc"));
        assert_eq!(c.get("b").map(String::as_str), Some("2"));
        assert!(!c.contains_key("bad"));
    }
}
