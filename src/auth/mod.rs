//! Who is calling: the X-Signature check, IP Access Rules, password hashing for
//! profiles and logins (`passwords`, with bounded memory), and the throttle on failed
//! logins (`throttle`).

mod passwords;
pub mod throttle;

pub use passwords::{
    PasswordError, check_password, hash_password, verify_account_password, verify_password,
};
pub use throttle::{LoginThrottle, Refused};

use std::net::IpAddr;

use ipnet::IpNet;
use md5::{Digest, Md5};
use subtle::ConstantTimeEq;

/// `md5_hex(md5_hex(body ++ key) ++ key)`, lower-case hex (protocol.md §2).
pub fn signature(body: &[u8], key: &str) -> [u8; 32] {
    let inner = hex32(
        Md5::new()
            .chain_update(body)
            .chain_update(key.as_bytes())
            .finalize()
            .into(),
    );
    hex32(
        Md5::new()
            .chain_update(inner)
            .chain_update(key.as_bytes())
            .finalize()
            .into(),
    )
}

fn hex32(digest: [u8; 16]) -> [u8; 32] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 32];
    for (i, b) in digest.iter().enumerate() {
        out[2 * i] = HEX[(b >> 4) as usize];
        out[2 * i + 1] = HEX[(b & 0xf) as usize];
    }
    out
}

/// The X-Signature of a body that arrives in pieces: the inner MD5 runs over each
/// piece as it comes, so checking the signature needs no second pass and, for a
/// caller nobody knows, no copy of the body at all.
#[derive(Debug, Clone, Default)]
pub struct SignatureCheck {
    inner: Md5,
}

impl SignatureCheck {
    pub fn update(&mut self, piece: &[u8]) {
        self.inner.update(piece);
    }

    /// Whether `given` is the signature of everything fed in, under `key`.
    pub fn matches(self, key: &str, given: &str) -> bool {
        let inner = hex32(self.inner.chain_update(key.as_bytes()).finalize().into());
        let want = hex32(
            Md5::new()
                .chain_update(inner)
                .chain_update(key.as_bytes())
                .finalize()
                .into(),
        );
        hex_matches(&want, given)
    }
}

/// Checks a client's X-Signature in constant time. Upper-case hex is accepted.
pub fn signature_matches(body: &[u8], key: &str, given: &str) -> bool {
    hex_matches(&signature(body, key), given)
}

/// `given` equals the lower-case hex `want`, compared in constant time, any case.
fn hex_matches(want: &[u8; 32], given: &str) -> bool {
    let given = given.trim().as_bytes();
    if given.len() != want.len() {
        return false;
    }
    let mut lower = [0u8; 32];
    for (o, b) in lower.iter_mut().zip(given) {
        *o = b.to_ascii_lowercase();
    }
    bool::from(want.ct_eq(&lower))
}

/// Whether `given` is the secret `want` (a token, a CSRF value), compared in
/// constant time; an empty secret matches nothing.
pub fn same_secret(given: &str, want: &str) -> bool {
    !want.is_empty() && bool::from(given.as_bytes().ct_eq(want.as_bytes()))
}

/// Parses an allow-list entry: a CIDR (`10.0.0.0/8`) or a single address.
pub fn parse_cidr(s: &str) -> Option<IpNet> {
    let s = s.trim();
    s.parse::<IpNet>()
        .ok()
        .or_else(|| s.parse::<IpAddr>().ok().map(IpNet::from))
}

/// Whether `ip` may call for a reseller with this allow-list (empty = anyone).
/// IPv4-mapped IPv6 peers match IPv4 rules.
pub fn ip_allowed(allowed: &[String], ip: IpAddr) -> bool {
    if allowed.is_empty() {
        return true;
    }
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        IpAddr::V4(_) => ip,
    };
    allowed
        .iter()
        .filter_map(|s| parse_cidr(s))
        .any(|net| net.contains(&ip))
}

/// `bytes` random bytes as lower-case hex: approval tokens, CSRF tokens, ids that
/// must not be guessable. Panics only if the OS has no random source at all (Linux
/// always has one); a guessable token would be worse than a failed request.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    if getrandom::fill(&mut buf).is_err() {
        panic!("the operating system has no random source");
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a token as lower-case hex: how session cookies and API tokens are
/// stored, so that a copy of the database hands out no live credential.
pub fn token_hash(token: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The characters of crypt(3) salts.
const CRYPT_ALPHABET: &[u8; 64] =
    b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Longest password MD5-crypt is run on (its cost grows with the length).
const CRYPT_MAX: usize = 1024;

/// MD5-crypt (`$1$<salt>$<hash>`) of a password with a fresh 8-character salt: the
/// form registry toolkits store and send registrar passwords in (seed 002).
pub fn md5_crypt(password: &str) -> Result<String, PasswordError> {
    let mut raw = [0u8; 8];
    getrandom::fill(&mut raw).map_err(|_| PasswordError::Failed)?;
    let salt: Vec<u8> = raw
        .iter()
        .map(|b| CRYPT_ALPHABET[usize::from(b & 63)])
        .collect();
    let out = md5crypt::md5crypt(password.as_bytes(), &salt);
    String::from_utf8(out).map_err(|_| PasswordError::Failed)
}

/// Checks a registrar password as clients send it, `plain:<password>` or bare,
/// against the stored MD5-crypt string, in constant time. The stored string is a
/// verifier, never a credential: a client that sends it (or any `$1$` string) is
/// refused, so a copy of the database does not log anyone in. `stored` may be
/// `None` for an unknown handle: the same crypt work is done against a dummy, so the
/// answer takes as long as for a known one.
pub fn md5_crypt_matches(given: &str, stored: Option<&str>) -> bool {
    const DUMMY: &str = "$1$dummysal$00000000000000000000.0";
    let verifier = stored.unwrap_or(DUMMY);
    let salt = verifier
        .strip_prefix("$1$")
        .and_then(|rest| rest.split_once('$'))
        .map_or("dummysal", |(salt, _)| salt);
    let plain = given.strip_prefix("plain:").unwrap_or(given);
    let plain = &plain.as_bytes()[..plain.len().min(CRYPT_MAX)];
    let candidate = md5crypt::md5crypt(plain, salt.as_bytes());
    let equal = bool::from(candidate.ct_eq(verifier.as_bytes()));
    equal
        && stored.is_some()
        && !given.starts_with("$1$")
        && given.len() <= CRYPT_MAX + "plain:".len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_crypt_forms() {
        // The crate's published vector: "hunter2" with salt "1234abcd".
        let stored = "$1$1234abcd$k941IFPqhCBpKvhOnZqRd/";
        let known = Some(stored);
        // Issue 15.8: the verifier is not a password.
        assert!(!md5_crypt_matches(stored, known));
        assert!(md5_crypt_matches("plain:hunter2", known));
        assert!(md5_crypt_matches("hunter2", known));
        assert!(!md5_crypt_matches("hunter2", None));
        assert!(!md5_crypt_matches("plain:hunter3", known));
        assert!(!md5_crypt_matches(
            "$1$1234abcd$k941IFPqhCBpKvhOnZqRd.",
            known
        ));
        assert!(!md5_crypt_matches("", known));
        assert!(!md5_crypt_matches("hunter2", Some("not a crypt string")));
        assert!(!md5_crypt_matches(&"x".repeat(5000), known));
        let made = md5_crypt("s3cret").unwrap_or_default();
        assert!(
            made.starts_with("$1$") && made.len() == 3 + 8 + 1 + 22,
            "{made}"
        );
        assert!(md5_crypt_matches("plain:s3cret", Some(&made)));
        assert_ne!(md5_crypt("s3cret").unwrap_or_default(), made);
    }

    /// The vector of protocol.md §2, from a client's own test suite.
    #[test]
    fn signature_vector() {
        let body = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\" ?>\n<!DOCTYPE OPS_envelope SYSTEM \"ops.dtd\">\n<OPS_envelope><header><version>0.9</version></header><body><data_block><dt_assoc><item key=\"action\">LOOKUP</item><item key=\"attributes\"><dt_assoc><item key=\"domain\">jerith.org</item></dt_assoc></item><item key=\"object\">DOMAIN</item><item key=\"protocol\">XCP</item></dt_assoc></data_block></body></OPS_envelope>";
        assert_eq!(
            &signature(body.as_bytes(), "somekey"),
            b"001806d5425a40aaaec238ffe23bc8f2"
        );
        assert!(signature_matches(
            body.as_bytes(),
            "somekey",
            "001806D5425A40AAAEC238FFE23BC8F2"
        ));
        assert!(!signature_matches(
            body.as_bytes(),
            "somekey",
            "001806d5425a40aaaec238ffe23bc8f3"
        ));
        assert!(!signature_matches(
            body.as_bytes(),
            "otherkey",
            "001806d5425a40aaaec238ffe23bc8f2"
        ));
        assert!(!signature_matches(body.as_bytes(), "somekey", ""));
        // In pieces, as a body arrives.
        let mut check = SignatureCheck::default();
        for piece in body.as_bytes().chunks(7) {
            check.update(piece);
        }
        assert!(
            check
                .clone()
                .matches("somekey", "001806d5425a40aaaec238ffe23bc8f2")
        );
        assert!(!check.matches("otherkey", "001806d5425a40aaaec238ffe23bc8f2"));
        let plain = hex32(Md5::digest(b"ConnecttoOpenSRSviaSSL").into());
        assert_eq!(&plain, b"e787cc1d1951dfec4827cede7b1a0933");
    }

    #[test]
    fn ip_rules() {
        let rules = vec!["10.0.0.0/8".to_string(), "192.0.2.7".to_string()];
        let ip = |s: &str| s.parse::<IpAddr>().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        assert!(ip_allowed(&rules, ip("10.1.2.3")));
        assert!(ip_allowed(&rules, ip("192.0.2.7")));
        assert!(ip_allowed(&rules, ip("::ffff:10.9.9.9")));
        assert!(!ip_allowed(&rules, ip("127.0.0.1")));
        assert!(ip_allowed(&[], ip("127.0.0.1")));
    }
}
