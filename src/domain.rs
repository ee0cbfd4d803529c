//! Domain-name and host-name rules, and the TLDs that SIMPLE_TRANSFER supports.

use std::collections::HashSet;
use std::sync::LazyLock;

use smol_str::SmolStr;

/// TLDs (and second levels) that SIMPLE_TRANSFER accepts: the list of the
/// simple_transfer reference (seed 003, its stray space in `mm- example-sunrise`
/// removed) plus the `.au` second levels of the older published list. Sorted and
/// unique (a test holds it so), which keeps changes to it easy to review.
pub const SIMPLE_TRANSFER_TLDS: &[&str] = &[
    "academy",
    "agency",
    "asia",
    "asn.au",
    "associates",
    "bar",
    "bargains",
    "best",
    "bid",
    "bike",
    "biz",
    "blackfriday",
    "boutique",
    "builders",
    "bz",
    "cab",
    "camera",
    "camp",
    "capital",
    "cards",
    "care",
    "careers",
    "cash",
    "cat",
    "catering",
    "cc",
    "center",
    "ceo",
    "cheap",
    "christmas",
    "claims",
    "claimsga",
    "claimsgathree",
    "cleaning",
    "clinic",
    "clothing",
    "co",
    "co.in",
    "codes",
    "coffee",
    "com",
    "com.au",
    "com.co",
    "community",
    "company",
    "computer",
    "condos",
    "construction",
    "contractors",
    "cool",
    "cruises",
    "dance",
    "dating",
    "democrat",
    "dental",
    "diamonds",
    "directory",
    "discount",
    "domains",
    "education",
    "email",
    "engineering",
    "enterprises",
    "equipment",
    "estate",
    "events",
    "example",
    "exchange",
    "expert",
    "exposed",
    "fail",
    "farm",
    "fcfs",
    "financial",
    "firm.in",
    "fish",
    "fitness",
    "flights",
    "florist",
    "foundation",
    "fund",
    "furniture",
    "futbol",
    "ga",
    "gaclaim",
    "gallery",
    "gen.in",
    "gift",
    "glass",
    "graphics",
    "gripe",
    "guitars",
    "guru",
    "holdings",
    "holiday",
    "horse-sunrush",
    "house",
    "id.au",
    "immobilien",
    "in",
    "ind.in",
    "industries",
    "info",
    "ink",
    "institute",
    "international",
    "investments",
    "jetzt",
    "kitchen",
    "kiwi-claims",
    "land",
    "lease",
    "lighting",
    "limited",
    "limo",
    "link",
    "lrclaim",
    "maison",
    "management",
    "marketing",
    "me",
    "media",
    "mm-example",
    "mm-example-landrush",
    "mm-example-sunrise",
    "mobi",
    "multi",
    "net",
    "net.au",
    "net.co",
    "net.in",
    "ninja",
    "nom.co",
    "nyc",
    "open",
    "org",
    "org.au",
    "org.bz",
    "org.in",
    "partners",
    "parts",
    "photo",
    "photography",
    "photos",
    "pics",
    "pictures",
    "plumbing",
    "pro",
    "productions",
    "properties",
    "pub",
    "recipes",
    "reisen",
    "rentals",
    "repair",
    "report",
    "rest",
    "reviews",
    "schule",
    "services",
    "sexy",
    "shoes",
    "singles",
    "social",
    "solar",
    "solutions",
    "sunrise",
    "sunrise-1030",
    "sunrise-1231",
    "sunrisepremium",
    "supplies",
    "supply",
    "support",
    "surgery",
    "systems",
    "tattoo",
    "tax",
    "technology",
    "tel",
    "testone",
    "testtwo",
    "tienda",
    "tips",
    "today",
    "tools",
    "town",
    "toys",
    "trade",
    "training",
    "tv",
    "university",
    "us",
    "vacations",
    "ventures",
    "viajes",
    "villas",
    "vision",
    "voyage",
    "watch",
    "webcam",
    "wiki",
    "works",
    "ws",
    "wtf",
    "xxx",
    "xyz",
    "zone",
];

/// Why a name is not a valid domain or host name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("is empty")]
    Empty,
    #[error("needs at least two labels")]
    OneLabel,
    #[error("is not a valid host name")]
    Invalid,
}

/// A checked domain name: `name` as the client wrote it (lower-cased, without a
/// trailing dot), `ascii` its IDNA A-label form. Both are usually the same short text:
/// `SmolStr` keeps up to 23 bytes inline and shares longer ones, so a job of 10,000
/// names does not allocate twice per name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainName {
    pub name: SmolStr,
    pub ascii: SmolStr,
}

/// TLDs the sandbox registry offers for registration beyond those SIMPLE_TRANSFER
/// supports (which it offers too): the common country codes and new gTLDs OpenSRS
/// resellers sell. Sorted and unique.
pub const MORE_REGISTRATION_TLDS: &[&str] = &[
    "ac",
    "ag",
    "ai",
    "am",
    "app",
    "ar",
    "art",
    "at",
    "be",
    "blog",
    "br",
    "ca",
    "ch",
    "cl",
    "click",
    "cloud",
    "club",
    "cn",
    "co.nz",
    "co.uk",
    "com.br",
    "de",
    "design",
    "dev",
    "dk",
    "email",
    "es",
    "eu",
    "family",
    "fi",
    "fm",
    "fr",
    "fund",
    "global",
    "gs",
    "health",
    "hk",
    "host",
    "ie",
    "io",
    "it",
    "jp",
    "kr",
    "la",
    "law",
    "legal",
    "li",
    "life",
    "link",
    "live",
    "ly",
    "me.uk",
    "media",
    "money",
    "ms",
    "mx",
    "name",
    "net.au",
    "network",
    "news",
    "nl",
    "no",
    "nu",
    "nz",
    "online",
    "org.au",
    "org.uk",
    "page",
    "pe",
    "pl",
    "pro",
    "pt",
    "pw",
    "ru",
    "se",
    "services",
    "sg",
    "sh",
    "shop",
    "site",
    "software",
    "solutions",
    "space",
    "store",
    "studio",
    "su",
    "systems",
    "tech",
    "today",
    "tools",
    "top",
    "tw",
    "uk",
    "vc",
    "vip",
    "website",
    "wiki",
    "work",
    "works",
    "world",
    "zone",
];

/// Whether the sandbox registry offers `tld` (without its dot, lower case) for
/// registration: what NAME_SUGGEST searches.
pub fn offered_tld(tld: &str) -> bool {
    static TLDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
        SIMPLE_TRANSFER_TLDS
            .iter()
            .chain(MORE_REGISTRATION_TLDS)
            .copied()
            .collect()
    });
    TLDS.contains(tld)
}

impl DomainName {
    /// Validates a domain or host name: IDNA (UTS 46, STD3 rules, DNS lengths), at
    /// least two labels.
    pub fn parse(raw: &str) -> Result<DomainName, NameError> {
        let trimmed = raw.trim();
        let trimmed = trimmed.strip_suffix('.').unwrap_or(trimmed);
        if trimmed.is_empty() {
            return Err(NameError::Empty);
        }
        let ascii = match plain_ascii(trimmed) {
            Some(ascii) => ascii,
            None => SmolStr::from(
                idna::domain_to_ascii_strict(trimmed).map_err(|_| NameError::Invalid)?,
            ),
        };
        if ascii.is_empty() || ascii.split('.').any(str::is_empty) {
            return Err(NameError::Invalid);
        }
        if !ascii.contains('.') {
            return Err(NameError::OneLabel);
        }
        // An ASCII name's A-label form is the name itself, lower-cased.
        let name = if trimmed.is_ascii() {
            ascii.clone()
        } else {
            SmolStr::from(trimmed.to_lowercase())
        };
        Ok(DomainName { name, ascii })
    }

    /// The longest suffix of this name that SIMPLE_TRANSFER supports, if any.
    pub fn simple_transfer_tld(&self) -> Option<&'static str> {
        // A set rather than a binary search of the sorted list: one hash instead of
        // eight string compares, 12 % of a 10,000-domain job's parse (perf).
        static TLDS: LazyLock<HashSet<&'static str>> =
            LazyLock::new(|| SIMPLE_TRANSFER_TLDS.iter().copied().collect());
        // Try `com.au` before `au`: the longest registrable suffix decides. Every
        // suffix after a dot is a slice of the name (no copies: 10,000 names per job).
        self.ascii
            .match_indices('.')
            .map(|(dot, _)| &self.ascii[dot + 1..])
            .find_map(|suffix| TLDS.get(suffix).copied())
    }

    /// The last label, for messages.
    pub fn tld(&self) -> &str {
        self.ascii.rsplit('.').next().unwrap_or(&self.ascii)
    }
}

/// The A-label form of a name made only of ASCII letters, digits, hyphens and dots
/// whose labels IDNA would pass through unchanged (no `--` in the third and fourth
/// place, so no A-labels to verify): the name lower-cased, once its labels pass the
/// STD3 hyphen and DNS length rules. `None` sends the name through `idna`, which
/// decides everything else. Nearly every name in a bulk job is of this kind, and
/// `idna`'s general path cost a fifth of a 10,000-domain job's parse (perf); the
/// property test below holds this to `idna`'s answer.
fn plain_ascii(name: &str) -> Option<SmolStr> {
    if name.len() > 253
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return None;
    }
    for label in name.split('.') {
        let b = label.as_bytes();
        if b.is_empty()
            || b.len() > 63
            || b[0] == b'-'
            || b[b.len() - 1] == b'-'
            || b.get(2..4) == Some(b"--")
        {
            return None;
        }
    }
    Some(if name.bytes().any(|b| b.is_ascii_uppercase()) {
        SmolStr::from(name.to_ascii_lowercase())
    } else {
        SmolStr::new(name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tld_list_is_sorted_and_unique() {
        assert!(SIMPLE_TRANSFER_TLDS.windows(2).all(|w| w[0] < w[1]));
        assert!(MORE_REGISTRATION_TLDS.windows(2).all(|w| w[0] < w[1]));
        assert!(offered_tld("com") && offered_tld("co.uk") && !offered_tld("invented"));
        assert!(SIMPLE_TRANSFER_TLDS.contains(&"mm-example-sunrise"));
    }

    #[test]
    fn names() {
        let ok = |s: &str| DomainName::parse(s).map(|d| d.ascii);
        assert_eq!(ok("Example.COM"), Ok("example.com".into()));
        assert_eq!(ok("example.com."), Ok("example.com".into()));
        assert_eq!(ok("ex\u{e4}mple.com"), Ok("xn--exmple-cua.com".into()));
        assert_eq!(ok("com"), Err(NameError::OneLabel));
        assert_eq!(ok(""), Err(NameError::Empty));
        assert_eq!(ok("-bad.com"), Err(NameError::Invalid));
        assert_eq!(ok("bad_.com"), Err(NameError::Invalid));
        assert_eq!(ok("a..com"), Err(NameError::Invalid));
        assert_eq!(ok("a b.com"), Err(NameError::Invalid));
        assert_eq!(
            ok(&format!("{}.com", "a".repeat(64))),
            Err(NameError::Invalid)
        );
    }

    #[test]
    fn supported_tlds() {
        let tld = |s: &str| {
            DomainName::parse(s)
                .ok()
                .and_then(|d| d.simple_transfer_tld())
        };
        assert_eq!(tld("newtransfer461.com"), Some("com"));
        assert_eq!(tld("x.com.au"), Some("com.au"));
        assert_eq!(tld("x.au"), None);
        assert_eq!(tld("x.uk"), None);
        assert_eq!(tld("x.org.bz"), Some("org.bz"));
    }

    #[test]
    fn plain_ascii_edges_agree_with_idna() {
        let label = |n: usize| "a".repeat(n);
        let cases = [
            format!("{}.com", label(63)),
            format!("{}.com", label(64)),
            format!("{0}.{0}.{0}.{1}", label(63), label(61)),
            format!("{0}.{0}.{0}.{1}", label(63), label(62)),
            "ab--cd.com".into(),
            "xn--exmple-cua.com".into(),
            "XN--EXMPLE-CUA.COM".into(),
            "a-.com".into(),
            "A1-B2.Com".into(),
            "1.2".into(),
            "a.b.".into(),
        ];
        for c in cases {
            if let Some(fast) = plain_ascii(&c) {
                let slow = idna::domain_to_ascii_strict(&c).ok();
                assert_eq!(slow.as_deref(), Some(&*fast), "{c}");
            }
        }
        assert!(plain_ascii(&format!("{}.com", label(63))).is_some());
        assert!(plain_ascii("Example.COM").is_some());
    }

    proptest::proptest! {
        /// Whatever the fast path accepts, idna accepts and writes the same way.
        #[test]
        fn plain_ascii_is_what_idna_says(
            name in "[a-zA-Z0-9.-]{0,12}|([a-z0-9-]{0,70}\\.){0,5}[a-zA-Z]{1,8}"
        ) {
            if let Some(fast) = plain_ascii(&name) {
                let slow = idna::domain_to_ascii_strict(&name).ok();
                proptest::prop_assert_eq!(slow.as_deref(), Some(&*fast));
            }
        }
    }
}
