//! Real client addresses behind a load balancer (`trusted_proxies`): a
//! connection from a trusted address may begin with a PROXY protocol header
//! (v1 text or v2 binary, read with the `ppp` crate) naming the client, and a
//! request from one may carry `X-Forwarded-For`. From any other address
//! neither is taken: a PROXY header there is not HTTP (nor TLS) and is refused
//! as such, and `X-Forwarded-For` is ignored.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hyper::header::HeaderMap;
use ipnet::IpNet;
use ppp::{HeaderResult, PartialResult, v1, v2};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// The longest header taken: v1's is at most 107 bytes; a v2 header's
/// addresses and the TLVs balancers send fit well within this (*chosen*, the
/// PROXY protocol's own advice for receive buffers).
const MAX_HEADER: usize = 536;
/// How the two versions begin.
const V1_START: &[u8] = b"PROXY ";
const V2_START: &[u8] = b"\r\n\r\n\0\r\nQUIT\n";

/// Whether `ip` is one of the trusted proxies.
pub(super) fn trusted(proxies: &[IpNet], ip: IpAddr) -> bool {
    let ip = canonical(ip);
    proxies.iter().any(|n| n.contains(&ip))
}

/// An IPv4 address seen as IPv6 (`::ffff:a.b.c.d`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 @ IpAddr::V4(_) => v4,
    }
}

/// Reads the PROXY header a trusted proxy's connection begins with, if it
/// begins with one: the client's address (`None` for a header that names none,
/// such as v2's LOCAL health checks, or when there is no header). Only the
/// header's bytes are consumed; the rest is the client's.
pub(super) async fn read_header(stream: &mut TcpStream) -> std::io::Result<Option<SocketAddr>> {
    let malformed =
        || std::io::Error::new(std::io::ErrorKind::InvalidData, "malformed PROXY header");
    let mut buf = [0u8; MAX_HEADER];
    loop {
        let n = stream.peek(&mut buf).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let seen = &buf[..n];
        let could_be = |start: &[u8]| start.starts_with(&seen[..n.min(start.len())]);
        if !could_be(V1_START) && !could_be(V2_START) {
            return Ok(None);
        }
        let parsed = HeaderResult::parse(seen);
        if parsed.is_incomplete() {
            if n == MAX_HEADER {
                return Err(malformed());
            }
            // Wait for the rest of the header (the caller bounds the wait).
            tokio::time::sleep(Duration::from_millis(2)).await;
            continue;
        }
        let (used, client) = match parsed {
            HeaderResult::V1(Ok(h)) => (h.header.len(), v1_client(&h.addresses)),
            HeaderResult::V2(Ok(h)) => (h.len(), v2_client(&h.addresses)),
            _ => return Err(malformed()),
        };
        let mut header = vec![0u8; used];
        stream.read_exact(&mut header).await?;
        return Ok(client);
    }
}

fn v1_client(a: &v1::Addresses) -> Option<SocketAddr> {
    match a {
        v1::Addresses::Tcp4(ip) => Some(SocketAddr::new(ip.source_address.into(), ip.source_port)),
        v1::Addresses::Tcp6(ip) => Some(SocketAddr::new(ip.source_address.into(), ip.source_port)),
        v1::Addresses::Unknown => None,
    }
}

fn v2_client(a: &v2::Addresses) -> Option<SocketAddr> {
    match a {
        v2::Addresses::IPv4(ip) => Some(SocketAddr::new(ip.source_address.into(), ip.source_port)),
        v2::Addresses::IPv6(ip) => Some(SocketAddr::new(ip.source_address.into(), ip.source_port)),
        _ => None,
    }
}

/// The client a request from a trusted proxy names in `X-Forwarded-For`: the
/// nearest address that is not itself a trusted proxy (each proxy appends the
/// address it heard from), or `None` to keep the connection's.
pub(super) fn forwarded_for(headers: &HeaderMap, proxies: &[IpNet]) -> Option<IpAddr> {
    let mut hops: Vec<IpAddr> = Vec::new();
    // At most 64 hops are read, whatever a header holds (bounded work).
    for value in headers.get_all("x-forwarded-for").iter().take(8) {
        let text = value.to_str().ok()?;
        for part in text.split(',').take(64) {
            hops.push(canonical(part.trim().parse().ok()?));
        }
    }
    hops.into_iter().rev().find(|ip| !trusted(proxies, *ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(s: &[&str]) -> Vec<IpNet> {
        s.iter().map(|n| n.parse().expect("cidr")).collect()
    }

    #[test]
    fn trusted_addresses_and_mapped_ones() {
        let p = nets(&["10.0.0.0/8", "::1/128"]);
        assert!(trusted(&p, "10.1.2.3".parse().expect("ip")));
        assert!(trusted(&p, "::ffff:10.1.2.3".parse().expect("ip")));
        assert!(!trusted(&p, "192.0.2.1".parse().expect("ip")));
    }

    #[test]
    fn the_nearest_untrusted_hop_is_the_client() {
        let p = nets(&["10.0.0.0/8"]);
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "203.0.113.9, 198.51.100.4, 10.0.0.2"
                .parse()
                .expect("value"),
        );
        assert_eq!(
            forwarded_for(&h, &p),
            Some("198.51.100.4".parse().expect("ip"))
        );
        h.insert("x-forwarded-for", "not an address".parse().expect("value"));
        assert_eq!(
            forwarded_for(&h, &p),
            None,
            "a malformed header is not taken"
        );
        assert_eq!(forwarded_for(&HeaderMap::new(), &p), None);
    }
}
