//! Where opsd may send things: the checks on outbound addresses shared by the
//! features that connect out (webhook URLs, WHOIS referrals), kept apart from the
//! work that uses them so that configuration and scenarios can check them too.

/// A webhook URL must be absolute http(s) with a host.
pub fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("'{url}': a webhook URL starts with http:// or https://"))?;
    if rest.is_empty() || rest.starts_with('/') || url.chars().any(char::is_whitespace) {
        return Err(format!("'{url}' has no host"));
    }
    Ok(())
}

/// An address on the public internet: not loopback, private, link-local, shared,
/// documentation, multicast or unspecified.
pub fn is_public(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 198 && (o[1] == 18 || o[1] == 19))
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0x0db8))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_urls() {
        assert!(check_url("https://hooks.example.net/opsd").is_ok());
        assert!(check_url("http://127.0.0.1:9000/").is_ok());
        for bad in [
            "ftp://x",
            "https://",
            "http:///x",
            "hooks.example.net",
            "https://a b",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn public_addresses() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap_or([0, 0, 0, 0].into());
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.5",
            "169.254.1.1",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(ip(private)), "{private}");
        }
        for public in ["192.0.47.59", "199.7.59.74", "2001:500:8f::53"] {
            assert!(is_public(ip(public)), "{public}");
        }
    }
}
