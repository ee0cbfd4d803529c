//! Hosted email bulletins: a raw email (headers, a blank line, the body) kept
//! by a company or a domain under a name and a kind — `auto`, mailed to every
//! user made after it, or `manual`, mailed when posted — with the
//! documentation's per-recipient fields `{'account'}`, `{'domain'}`,
//! `{'name'}` and `{'title'}` filled in when it is sent.

use crate::store::Mail;

/// The longest bulletin kept (*chosen*).
pub const MAX_TEXT: usize = 64 * 1024;

/// A bulletin's kind, as documented.
pub fn kind(s: &str) -> Option<&'static str> {
    match s.trim().to_ascii_lowercase().as_str() {
        "auto" => Some("auto"),
        "manual" => Some("manual"),
        _ => None,
    }
}

/// A bulletin name: 1–128 characters, no control characters (*chosen*).
pub fn name_ok(name: &str) -> bool {
    (1..=128).contains(&name.chars().count()) && !name.chars().any(char::is_control)
}

/// Who a bulletin goes to, for its fields.
#[derive(Debug)]
pub struct Recipient<'a> {
    pub account: &'a str,
    pub domain: &'a str,
    pub name: &'a str,
    pub title: &'a str,
}

/// The mail `text` makes for `to`: its `Subject` header (the bulletin's name
/// when it has none) and its body, the fields filled in. The other headers are
/// the bulletin's own and stay in the kept text; the outbox sends as opsd.
pub fn render(text: &str, bulletin: &str, to: &Recipient<'_>) -> Mail {
    let fill = |s: &str| {
        s.replace("{'account'}", to.account)
            .replace("{'domain'}", to.domain)
            .replace("{'name'}", to.name)
            .replace("{'title'}", to.title)
    };
    let text = text.replace("\r\n", "\n");
    let (head, body) = match text.split_once("\n\n") {
        Some((h, b))
            if h.lines()
                .all(|l| l.contains(':') || l.starts_with([' ', '\t'])) =>
        {
            (h, b)
        }
        _ => ("", text.as_str()),
    };
    let subject = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case("subject").then(|| v.trim())
        })
        .unwrap_or(bulletin);
    Mail {
        to: to.account.to_string(),
        subject: fill(subject),
        body: fill(body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bulletin_is_filled_in_for_its_recipient() {
        let to = Recipient {
            account: "bob@a.test",
            domain: "a.test",
            name: "Bob",
            title: "Dr",
        };
        let m = render(
            "From: Boss <boss@a.test>\r\nSubject: Hello {'name'}\r\n\r\nDear {'title'} {'name'},\nyou are {'account'} of {'domain'}.",
            "Welcome",
            &to,
        );
        assert_eq!(m.to, "bob@a.test");
        assert_eq!(m.subject, "Hello Bob");
        assert_eq!(m.body, "Dear Dr Bob,\nyou are bob@a.test of a.test.");
        let bare = render("Just a body", "Fridge", &to);
        assert_eq!(
            (bare.subject.as_str(), bare.body.as_str()),
            ("Fridge", "Just a body")
        );
    }

    #[test]
    fn kinds_and_names_are_checked() {
        assert_eq!(kind("AUTO"), Some("auto"));
        assert_eq!(kind("weekly"), None);
        assert!(name_ok("Welcome Message"));
        assert!(!name_ok(""));
        assert!(!name_ok("a\nb"));
    }
}
