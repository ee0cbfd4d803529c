//! Domain-name and host-name rules, and the TLDs that SIMPLE_TRANSFER supports.

/// TLDs (and second levels) that SIMPLE_TRANSFER accepts: the list of the
/// simple_transfer reference (seed 003, its stray space in `mm- example-sunrise`
/// removed) plus the `.au` second levels of the older published list. Sorted, for
/// binary search.
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
/// trailing dot), `ascii` its IDNA A-label form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainName {
    pub name: String,
    pub ascii: String,
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
        let ascii = idna::domain_to_ascii_strict(trimmed).map_err(|_| NameError::Invalid)?;
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
            trimmed.to_lowercase()
        };
        Ok(DomainName { name, ascii })
    }

    /// The longest suffix of this name that SIMPLE_TRANSFER supports, if any.
    pub fn simple_transfer_tld(&self) -> Option<&'static str> {
        // Try `com.au` before `au`: the longest registrable suffix decides. Every
        // suffix after a dot is a slice of the name (no copies: 10,000 names per job).
        self.ascii
            .match_indices('.')
            .map(|(dot, _)| &self.ascii[dot + 1..])
            .find_map(|suffix| {
                SIMPLE_TRANSFER_TLDS
                    .binary_search(&suffix)
                    .ok()
                    .map(|idx| SIMPLE_TRANSFER_TLDS[idx])
            })
    }

    /// The last label, for messages.
    pub fn tld(&self) -> &str {
        self.ascii.rsplit('.').next().unwrap_or(&self.ascii)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tld_list_is_sorted_and_unique() {
        assert!(SIMPLE_TRANSFER_TLDS.windows(2).all(|w| w[0] < w[1]));
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
}
