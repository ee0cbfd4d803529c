//! The web pages' shared layer: templates embedded in the binary and rendered with
//! minijinja (HTML auto-escaped), form decoding, and HTML responses. Pages work
//! without JavaScript; their POSTs carry a CSRF token.

pub mod approval;

use std::collections::HashMap;
use std::sync::LazyLock;

use minijinja::Environment;

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in [
        ("layout.html", include_str!("templates/layout.html")),
        ("approval.html", include_str!("templates/approval.html")),
        (
            "approval_done.html",
            include_str!("templates/approval_done.html"),
        ),
        ("message.html", include_str!("templates/message.html")),
    ] {
        // The templates are part of the binary and tested; a syntax error is a
        // build defect that the page tests catch.
        if let Err(e) = env.add_template(name, source) {
            tracing::error!(template = name, error = %e, "template does not compile");
        }
    }
    env
});

/// A rendered page: HTTP status and HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub status: u16,
    pub html: String,
}

/// Renders `template` with `ctx`; a rendering fault becomes a plain 500 page.
pub fn render(status: u16, template: &str, ctx: minijinja::Value) -> Page {
    match TEMPLATES.get_template(template).and_then(|t| t.render(ctx)) {
        Ok(html) => Page { status, html },
        Err(e) => {
            tracing::error!(template, error = %e, "page rendering failed");
            Page {
                status: 500,
                html: "<!doctype html><title>Error</title><p>Something went wrong on our side.</p>"
                    .into(),
            }
        }
    }
}

/// A short page with a heading and one paragraph.
pub fn message(status: u16, title: &str, text: &str) -> Page {
    render(status, "message.html", minijinja::context! { title, text })
}

/// Decodes `application/x-www-form-urlencoded` bytes (a body or a query string).
/// A repeated name keeps its first value.
pub fn form(bytes: &[u8]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for (k, v) in form_urlencoded::parse(bytes) {
        out.entry(k.into_owned()).or_insert_with(|| v.into_owned());
    }
    out
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
        for name in [
            "layout.html",
            "approval.html",
            "approval_done.html",
            "message.html",
        ] {
            assert!(TEMPLATES.get_template(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn forms() {
        let f = form(b"action=do_confirm_bulk_transfer&unique_id=ab%20c&x=1&x=2");
        assert_eq!(f.get("unique_id").map(String::as_str), Some("ab c"));
        assert_eq!(f.get("x").map(String::as_str), Some("1"));
    }
}
