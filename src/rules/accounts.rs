//! Account rules: what a profile's user name and password may be, what a
//! sub-user may do with the rights its bitmask gives it, and a sub-reseller's
//! settings. OpenSRS documents the bits (1 owner, 2 admin, 4 billing, 8 tech,
//! 16 nameservers, 32 rsp_whois_info) but not which call each one opens; the
//! mapping here is opsd's choice, listed in docs/accounts.md.

/// The sub-user bits, as documented.
pub mod bits {
    pub const OWNER: i64 = 1;
    pub const ADMIN: i64 = 2;
    pub const BILLING: i64 = 4;
    pub const TECH: i64 = 8;
    pub const NAMESERVERS: i64 = 16;
    pub const WHOIS_INFO: i64 = 32;
    /// Every bit.
    pub const ALL: i64 = 63;
}

/// The names of the bits set in `permission`, as the documentation names them.
pub fn rights(permission: i64) -> Vec<&'static str> {
    [
        (bits::OWNER, "owner"),
        (bits::ADMIN, "admin"),
        (bits::BILLING, "billing"),
        (bits::TECH, "tech"),
        (bits::NAMESERVERS, "nameservers"),
        (bits::WHOIS_INFO, "rsp_whois_info"),
    ]
    .iter()
    .filter(|(b, _)| permission & b != 0)
    .map(|(_, n)| *n)
    .collect()
}

/// Calls a session of any sub-user may make: reading its domain and its
/// session itself.
const READS: &[&str] = &[
    "GET",
    "GET_DNS_ZONE",
    "GET_DOMAIN_FORWARDING",
    "GET_NOTES",
    "GET_ORDERS_BY_DOMAIN",
    "GET_DOMAINS_CONTACTS",
    "GET_REGISTRANT_VERIFICATION_STATUS",
    "UPDATE_COOKIE",
    "DELETE_COOKIE",
    "QUIT_SESSION",
    "USERINFO",
];

/// The bit a call needs beyond reading (any of `bits` opens it); a call not
/// listed needs [`bits::OWNER`].
const NEEDS: &[(&str, i64)] = &[
    ("MODIFY", bits::ADMIN),
    ("UPDATE_CONTACTS", bits::ADMIN),
    ("UPDATE_ALL_INFO", bits::ADMIN),
    ("SEND_REGISTRANT_VERIFICATION_EMAIL", bits::ADMIN),
    ("RENEW", bits::BILLING),
    ("CREATE_DNS_ZONE", bits::TECH),
    ("SET_DNS_ZONE", bits::TECH),
    ("RESET_DNS_ZONE", bits::TECH),
    ("DELETE_DNS_ZONE", bits::TECH),
    ("CREATE_DOMAIN_FORWARDING", bits::TECH),
    ("SET_DOMAIN_FORWARDING", bits::TECH),
    ("DELETE_DOMAIN_FORWARDING", bits::TECH),
    ("ADVANCED_UPDATE_NAMESERVERS", bits::NAMESERVERS),
    ("FORCE_DNS_NAMESERVERS", bits::NAMESERVERS),
    ("NAMESERVER", bits::NAMESERVERS),
];

/// Whether a session of a sub-user with `permission` may make call `action`
/// (the handler's name). The owner bit opens everything.
pub fn allows(action: &str, permission: i64) -> bool {
    if permission & bits::OWNER != 0 || READS.contains(&action) {
        return true;
    }
    NEEDS
        .iter()
        .find(|(a, _)| *a == action)
        .is_some_and(|(_, bit)| permission & bit != 0)
}

/// Characters a password may hold (the documented set).
fn password_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!@$^,.~|=-+_{}#\"".contains(c)
}

/// Why `password` cannot be a password of `min`–20 characters, if it cannot.
pub fn password_refusal(password: &str, min: usize) -> Option<String> {
    let n = password.chars().count();
    if n < min {
        return Some(format!("Password length below minimum: {min} characters."));
    }
    if n > 20 {
        return Some("Password exceeded maximum length: 20 characters.".into());
    }
    if !password.chars().all(password_char) {
        return Some("Password contains a character that is not allowed.".into());
    }
    None
}

/// Whether `name` is a valid user name: 3–20 letters and digits.
pub fn username_ok(name: &str) -> bool {
    (3..=20).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric())
}

/// A sub-reseller's account status, as documented (`cancelled` is the
/// toolkit's spelling of `canceled`).
pub const STATUSES: &[&str] = &["active", "onhold", "locked", "canceled", "paid_only"];

/// The status as kept: one of [`STATUSES`], or `None`.
pub fn status(given: &str) -> Option<&'static str> {
    let g = given.trim().to_ascii_lowercase();
    let g = if g == "cancelled" {
        "canceled".into()
    } else {
        g
    };
    STATUSES.iter().copied().find(|s| *s == g)
}

/// Whether a sub-reseller of this status may call the API as itself: all but
/// a locked or canceled one (*chosen*).
pub fn may_call(status: &str) -> bool {
    !matches!(status, "locked" | "canceled")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sub_user_reaches_what_its_bits_open() {
        assert!(allows("GET", 0));
        assert!(!allows("RENEW", bits::ADMIN));
        assert!(allows("RENEW", bits::BILLING));
        assert!(allows("MODIFY", bits::ADMIN));
        assert!(!allows("MODIFY", bits::TECH | bits::NAMESERVERS));
        assert!(allows("ADVANCED_UPDATE_NAMESERVERS", bits::NAMESERVERS));
        assert!(!allows("SET_DNS_ZONE", bits::NAMESERVERS));
        // Unlisted calls are the owner's.
        assert!(!allows("REVOKE", bits::ALL & !bits::OWNER));
        assert!(allows("REVOKE", bits::OWNER));
        assert!(!allows("CHANGE_PASSWORD", bits::ADMIN));
    }

    #[test]
    fn passwords_and_names() {
        assert!(password_refusal("ab", 3).is_some());
        assert!(password_refusal("abc", 3).is_none());
        assert!(password_refusal("abcdefghi", 10).is_some());
        assert!(password_refusal(&"a".repeat(21), 3).is_some());
        assert!(password_refusal("good pass", 3).is_some(), "space");
        assert!(password_refusal("s3cret!{x}", 3).is_none());
        assert!(username_ok("newprofile"));
        assert!(!username_ok("ab"));
        assert!(!username_ok("with space"));
        assert_eq!(status("Cancelled"), Some("canceled"));
        assert_eq!(status("gone"), None);
    }
}
