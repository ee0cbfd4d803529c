//! WHOIS: where analysis gets a domain's current contacts. A [`Whois`] source returns
//! the raw text; [`parse()`] reads the 2013 RRA format. Sources: the sandbox world (the
//! default) and a port-43 client that follows the registry's referral to the
//! registrar's server.

pub mod rra;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

pub use rra::{
    Contact, ContactError, ParseError, WhoisRecord, parse, parse_full, validate_contact,
};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WhoisError {
    /// No answer: connection refused, timed out, or the source has no record.
    #[error("WHOIS not retrievable: {0}")]
    Unreachable(String),
}

/// A source of WHOIS text for a domain.
pub trait Whois: Send + Sync + std::fmt::Debug {
    fn lookup(&self, domain: &str) -> Result<String, WhoisError>;
}

/// Largest WHOIS answer read; real ones are a few KiB.
const MAX_ANSWER: u64 = 256 * 1024;

/// Port-43 WHOIS: asks the TLD's registry server, then the registrar server it refers
/// to, and returns the registrar's record when it has the contacts (thin registries),
/// the registry's otherwise (thick ones).
#[derive(Debug, Clone)]
pub struct Port43 {
    /// Registry server per TLD (`com` → `whois.verisign-grs.com:43`); others default to
    /// `whois.nic.<tld>:43`.
    pub registries: HashMap<String, String>,
    pub timeout: Duration,
    /// Where a registry's referral may send the second query.
    pub referrals: Referrals,
}

/// Where referrals may lead. The referral comes from the registry's answer, which
/// names any host it likes: followed blindly, it would let a domain's WHOIS make
/// opsd connect to any port of any machine, inside its own network included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Referrals {
    /// Port 43 of a host whose every address is public (the default).
    PublicPort43,
    /// Wherever the referral says, port included (tests on loopback).
    Anywhere,
}

impl Default for Port43 {
    fn default() -> Self {
        let registries = [
            ("com", "whois.verisign-grs.com:43"),
            ("net", "whois.verisign-grs.com:43"),
            ("org", "whois.publicinterestregistry.org:43"),
            ("info", "whois.nic.info:43"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        Port43 {
            registries,
            timeout: Duration::from_secs(10),
            referrals: Referrals::PublicPort43,
        }
    }
}

impl Port43 {
    fn registry_for(&self, domain: &str) -> String {
        let tld = domain
            .rsplit('.')
            .next()
            .unwrap_or(domain)
            .to_ascii_lowercase();
        self.registries
            .get(&tld)
            .cloned()
            .unwrap_or_else(|| format!("whois.nic.{tld}:43"))
    }

    /// One query: send the name and CRLF, read until the server closes.
    pub fn query(&self, server: &str, domain: &str) -> Result<String, WhoisError> {
        let server = if server.contains(':') {
            server.to_string()
        } else {
            format!("{server}:43")
        };
        let addr = server
            .to_socket_addrs()
            .map_err(|e| WhoisError::Unreachable(format!("{server}: {e}")))?
            .next()
            .ok_or_else(|| WhoisError::Unreachable(format!("{server}: no address")))?;
        self.query_at(addr, &server, domain)
    }

    /// Where a referral to `server` may be asked, if anywhere (see [`Referrals`]).
    fn referral(&self, server: &str) -> Option<std::net::SocketAddr> {
        match self.referrals {
            Referrals::Anywhere => {
                let server = if server.contains(':') {
                    server.to_string()
                } else {
                    format!("{server}:43")
                };
                server.to_socket_addrs().ok()?.next()
            }
            Referrals::PublicPort43 => {
                let host = server.trim().trim_start_matches("whois://");
                let host = host.split(['/', ':']).next().unwrap_or("");
                if host.is_empty() {
                    return None;
                }
                let addrs: Vec<_> = (host, 43u16).to_socket_addrs().ok()?.collect();
                // Every address must be public: a name that also resolves inside is
                // not followed.
                (!addrs.is_empty() && addrs.iter().all(|a| crate::net::is_public(a.ip())))
                    .then(|| addrs[0])
            }
        }
    }

    fn query_at(
        &self,
        addr: std::net::SocketAddr,
        server: &str,
        domain: &str,
    ) -> Result<String, WhoisError> {
        let unreachable = |e: std::io::Error| WhoisError::Unreachable(format!("{server}: {e}"));
        let mut stream = TcpStream::connect_timeout(&addr, self.timeout).map_err(unreachable)?;
        stream
            .set_read_timeout(Some(self.timeout))
            .map_err(unreachable)?;
        stream
            .set_write_timeout(Some(self.timeout))
            .map_err(unreachable)?;
        stream
            .write_all(format!("{domain}\r\n").as_bytes())
            .map_err(unreachable)?;
        let mut raw = Vec::new();
        stream
            .take(MAX_ANSWER)
            .read_to_end(&mut raw)
            .map_err(unreachable)?;
        Ok(String::from_utf8_lossy(&raw).into_owned())
    }
}

impl Whois for Port43 {
    fn lookup(&self, domain: &str) -> Result<String, WhoisError> {
        let registry = self.query(&self.registry_for(domain), domain)?;
        match parse(&registry) {
            Ok(r) if r.is_referral() => match self.referral(&r.registrar_whois_server) {
                Some(addr) => match self.query_at(addr, &r.registrar_whois_server, domain) {
                    Ok(text) if parse_full(&text).is_ok() => Ok(text),
                    // The registrar is down or unreadable: the registry's record is all
                    // we have.
                    Ok(_) | Err(_) => Ok(registry),
                },
                None => {
                    tracing::warn!(domain, referral = %r.registrar_whois_server, "WHOIS referral not followed: not port 43 of a public host");
                    Ok(registry)
                }
            },
            Ok(_) | Err(_) => Ok(registry),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A loopback WHOIS server answering `answer` to every query, up to `n` of them.
    fn serve(answer: String, n: usize) -> String {
        let l = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
        let addr = l.local_addr().map(|a| a.to_string()).unwrap_or_default();
        std::thread::spawn(move || {
            for s in l.incoming().take(n).flatten() {
                let mut s = s;
                let mut line = [0u8; 256];
                let _ = s.read(&mut line);
                let _ = s.write_all(answer.as_bytes());
            }
        });
        addr
    }

    #[test]
    fn follows_the_referral_to_the_registrar() {
        let registrar = serve(
            "Domain Name: A.COM\r\nRegistrant Name: Ann\r\nRegistrant Email: ann@a.com\r\n".into(),
            1,
        );
        let registry = serve(
            format!("   Domain Name: A.COM\n   Registrar WHOIS Server: {registrar}\n"),
            1,
        );
        let w = Port43 {
            registries: [("com".to_string(), registry.clone())]
                .into_iter()
                .collect(),
            timeout: Duration::from_secs(5),
            referrals: Referrals::Anywhere,
        };
        let text = w.lookup("a.com").unwrap_or_default();
        assert_eq!(
            parse_full(&text).map(|r| r.registrant.email),
            Ok("ann@a.com".into())
        );
        // Issue 15.10: by default a referral to a loopback host and another port is
        // not followed; the registry's own record is the answer.
        let registry2 = serve(
            format!("   Domain Name: A.COM\n   Registrar WHOIS Server: {registrar}\n"),
            1,
        );
        let guarded = Port43 {
            registries: [("com".to_string(), registry2)].into_iter().collect(),
            timeout: Duration::from_secs(5),
            referrals: Referrals::PublicPort43,
        };
        let text = guarded.lookup("a.com").unwrap_or_default();
        assert!(text.contains("Registrar WHOIS Server"), "{text}");
        assert!(parse_full(&text).is_err());
    }

    #[test]
    fn unreachable_registry() {
        // Bind then drop: nothing listens on this port.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or(1);
        let w = Port43 {
            registries: [("com".to_string(), format!("127.0.0.1:{port}"))]
                .into_iter()
                .collect(),
            timeout: Duration::from_secs(2),
            referrals: Referrals::PublicPort43,
        };
        assert!(matches!(w.lookup("a.com"), Err(WhoisError::Unreachable(_))));
    }
}
