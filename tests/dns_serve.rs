//! Issue 31.3: the DNS server answers for the zones set over OPS — resolved by a
//! real DNS client (`dig`) over UDP and over TCP — with NXDOMAIN for a name a zone
//! lacks and REFUSED for a zone not hosted; a change over OPS answers at once;
//! garbage packets harm nothing.

use std::net::{SocketAddr, UdpSocket};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::*;
use crate::portfolio::register;

/// A server of the app's run on a runtime of its own in a thread, until dropped.
struct Served {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Served {
    /// Runs `serve(app, stopped)` — which binds, sends its address and serves
    /// until `stopped` resolves — in a thread with a 2-worker runtime.
    fn start<F, Fut>(s: &Server, serve: F) -> Served
    where
        F: FnOnce(
                std::sync::Arc<opsd::app::App>,
                std::sync::mpsc::Sender<SocketAddr>,
                tokio::sync::oneshot::Receiver<()>,
            ) -> Fut
            + Send
            + 'static,
        Fut: std::future::Future<Output = ()>,
    {
        let app = s.app.clone();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(serve(app, addr_tx, stopped));
        });
        let addr = addr_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("server address");
        Served {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// One already running elsewhere (`opsd serve`), at `addr`.
    fn at(addr: SocketAddr) -> Served {
        Served {
            addr,
            stop: None,
            thread: None,
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The DNS server of `s`'s app on a free loopback port.
type Dns = Served;

fn start_dns(s: &Server) -> Dns {
    Served::start(s, |app, addr, stopped| async move {
        let (udp, tcp) = opsd::dns::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind DNS");
        addr.send(udp.local_addr().expect("addr"))
            .expect("send addr");
        opsd::dns::serve(app, udp, tcp, async {
            let _ = stopped.await;
        })
        .await
        .expect("serve DNS");
    })
}

/// The forwarding web server of `s`'s app on a free loopback port.
type Web = Served;

fn start_web(s: &Server) -> Web {
    Served::start(s, |app, addr, stopped| async move {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        addr.send(l.local_addr().expect("addr")).expect("send addr");
        opsd::forward::serve(app, l, async {
            let _ = stopped.await;
        })
        .await
        .expect("serve forwards");
    })
}

impl Served {
    /// `dig` of `name` and `qtype`, over TCP when `tcp`: the status and the short
    /// answers.
    fn dig(&self, name: &str, qtype: &str, tcp: bool) -> (String, Vec<String>) {
        let mut cmd = Command::new("timeout");
        cmd.args([
            "10",
            "dig",
            &format!("@{}", self.addr.ip()),
            "-p",
            &self.addr.port().to_string(),
        ])
        .args([name, qtype, "+norecurse", "+time=2", "+tries=1"]);
        if tcp {
            cmd.arg("+tcp");
        }
        let out = cmd.output().expect("run dig (bind9-dnsutils)");
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let status = text
            .split("status: ")
            .nth(1)
            .and_then(|r| r.split(',').next())
            .unwrap_or("")
            .to_string();
        let answers = text
            .split(";; ANSWER SECTION:\n")
            .nth(1)
            .map(|sec| {
                sec.lines()
                    .take_while(|l| !l.is_empty())
                    .map(|l| l.split_whitespace().skip(3).collect::<Vec<_>>().join(" "))
                    .collect()
            })
            .unwrap_or_default();
        (status, answers)
    }

    /// Digs until `want` holds (a change reaches the server), for at most `secs`.
    fn dig_within(
        &self,
        secs: u64,
        name: &str,
        qtype: &str,
        want: impl Fn(&(String, Vec<String>)) -> bool,
    ) -> (String, Vec<String>) {
        let start = Instant::now();
        loop {
            let got = self.dig(name, qtype, false);
            if want(&got) || start.elapsed() > Duration::from_secs(secs) {
                return got;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Digs until `want` holds (a change reaches the server), for at most 5 s.
    fn dig_until(
        &self,
        name: &str,
        qtype: &str,
        want: impl Fn(&(String, Vec<String>)) -> bool,
    ) -> (String, Vec<String>) {
        let start = Instant::now();
        loop {
            let got = self.dig(name, qtype, false);
            if want(&got) || start.elapsed() > Duration::from_secs(5) {
                return got;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn call(action: &str, domain: &str, attrs: &str) -> Vec<u8> {
    envelope(
        action,
        "DOMAIN",
        &format!("<item key=\"domain\">{domain}</item>{attrs}"),
    )
}

const RECORDS: &str = "<item key=\"records\"><dt_assoc>\
<item key=\"A\"><dt_array><item key=\"0\"><dt_assoc><item key=\"subdomain\"></item><item key=\"ip_address\">192.0.2.10</item></dt_assoc></item><item key=\"1\"><dt_assoc><item key=\"subdomain\">www</item><item key=\"ip_address\">192.0.2.11</item></dt_assoc></item></dt_array></item>\
<item key=\"AAAA\"><dt_array><item key=\"0\"><dt_assoc><item key=\"subdomain\">www</item><item key=\"ipv6_address\">2001:db8::11</item></dt_assoc></item></dt_array></item>\
<item key=\"CNAME\"><dt_array><item key=\"0\"><dt_assoc><item key=\"subdomain\">shop</item><item key=\"hostname\">shops.example.net</item></dt_assoc></item></dt_array></item>\
<item key=\"MX\"><dt_array><item key=\"0\"><dt_assoc><item key=\"subdomain\"></item><item key=\"hostname\">mx.example.net</item><item key=\"priority\">10</item></dt_assoc></item></dt_array></item>\
<item key=\"SRV\"><dt_array><item key=\"0\"><dt_assoc><item key=\"subdomain\">_sip._tcp</item><item key=\"hostname\">sip.example.net</item><item key=\"priority\">1</item><item key=\"weight\">5</item><item key=\"port\">5060</item></dt_assoc></item></dt_array></item>\
<item key=\"TXT\"><dt_array><item key=\"0\"><dt_assoc><item key=\"subdomain\"></item><item key=\"text\">v=spf1 -all</item></dt_assoc></item></dt_array></item>\
</dt_assoc></item>";

#[test]
fn records_set_over_ops_resolve_over_udp_and_tcp() {
    let s = Server::start();
    let d = "dig-me.com";
    let r = s.ops(&register(d, 1, ""));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let dns = start_dns(&s);
    // Not hosted yet: refused.
    assert_eq!(dns.dig(d, "A", false).0, "REFUSED");
    let r = s.ops(&call("CREATE_DNS_ZONE", d, RECORDS));
    assert_eq!(r.code(), Some(200), "{}", r.text());

    for tcp in [false, true] {
        let (status, a) = dns.dig_until(d, "A", |g| g.0 == "NOERROR");
        assert_eq!(status, "NOERROR");
        assert_eq!(a, ["A 192.0.2.10"]);
        let (_, www) = dns.dig(&format!("www.{d}"), "AAAA", tcp);
        assert_eq!(www, ["AAAA 2001:db8::11"], "tcp: {tcp}");
        let (_, mx) = dns.dig(d, "MX", tcp);
        assert_eq!(mx, ["MX 10 mx.example.net."]);
        let (_, srv) = dns.dig(&format!("_sip._tcp.{d}"), "SRV", tcp);
        assert_eq!(srv, ["SRV 1 5 5060 sip.example.net."]);
        let (_, txt) = dns.dig(d, "TXT", tcp);
        assert_eq!(txt, ["TXT \"v=spf1 -all\""]);
        let (_, cname) = dns.dig(&format!("shop.{d}"), "A", tcp);
        assert_eq!(cname, ["CNAME shops.example.net."]);
        let (_, ns) = dns.dig(d, "NS", tcp);
        assert_eq!(ns.len(), 3, "{ns:?}");
        let (_, soa) = dns.dig(d, "SOA", tcp);
        assert!(
            soa[0].starts_with("SOA ns1.systemdns.com. hostmaster.dig-me.com."),
            "{soa:?}"
        );
        let (status, none) = dns.dig(&format!("nothing.{d}"), "A", tcp);
        assert_eq!(status, "NXDOMAIN");
        assert!(none.is_empty());
        let (status, nodata) = dns.dig(&format!("www.{d}"), "MX", tcp);
        assert_eq!(status, "NOERROR");
        assert!(nodata.is_empty());
        assert_eq!(dns.dig("elsewhere.org", "A", tcp).0, "REFUSED");
    }

    // A change over OPS answers at once.
    let r = s.ops(&call(
        "SET_DNS_ZONE",
        d,
        "<item key=\"records\"><dt_assoc><item key=\"A\"><dt_array><item key=\"0\"><dt_assoc><item key=\"subdomain\"></item><item key=\"ip_address\">198.51.100.1</item></dt_assoc></item></dt_array></item></dt_assoc></item>",
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let (_, a) = dns.dig_until(d, "A", |g| g.1 == ["A 198.51.100.1"]);
    assert_eq!(a, ["A 198.51.100.1"]);
    assert_eq!(dns.dig(&format!("www.{d}"), "A", false).0, "NXDOMAIN");

    // Garbage does no harm: the server still answers.
    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind");
    for junk in [&b""[..], b"\x00", &[0xff; 12][..], &[0x41; 600][..]] {
        let _ = sock.send_to(junk, dns.addr);
    }
    assert_eq!(dns.dig(d, "A", false).1, ["A 198.51.100.1"]);
    assert_eq!(dns.dig(d, "A", true).1, ["A 198.51.100.1"]);

    // Deleted: refused again.
    assert_eq!(s.ops(&call("DELETE_DNS_ZONE", d, "")).code(), Some(200));
    assert_eq!(dns.dig_until(d, "A", |g| g.0 == "REFUSED").0, "REFUSED");
}

/// Zones made and a record added by bulk changes answer in DNS.
#[test]
fn bulk_dns_changes_resolve() {
    let s = Server::start();
    let names = ["bulk-dig-a.com", "bulk-dig-b.net"];
    for d in names {
        let r = s.ops(&register(d, 1, ""));
        assert_eq!(r.code(), Some(200), "{}", r.text());
    }
    let dns = start_dns(&s);
    let list: String = names
        .iter()
        .enumerate()
        .map(|(i, d)| format!("<item key=\"{i}\">{d}</item>"))
        .collect();
    let items = format!("<item key=\"change_items\"><dt_array>{list}</dt_array></item>");
    for extra in [
        "<item key=\"change_type\">dns_zone</item><item key=\"dns_action\">create</item><item key=\"apply_to_domains\">1</item>",
        "<item key=\"change_type\">dns_zone_record</item><item key=\"dns_action\">add</item><item key=\"dns_record_type\">A</item><item key=\"dns_record_data\"><dt_assoc><item key=\"subdomain\">www</item><item key=\"ip_address\">192.0.2.80</item></dt_assoc></item>",
    ] {
        let r = s.ops(&envelope(
            "SUBMIT",
            "BULK_CHANGE",
            &format!("{items}{extra}"),
        ));
        assert_eq!(r.code(), Some(200), "{}", r.text());
        s.run_due();
    }
    for d in names {
        let (status, a) = dns.dig_until(&format!("www.{d}"), "A", |g| g.0 == "NOERROR");
        assert_eq!(status, "NOERROR", "{d}");
        assert_eq!(a, ["A 192.0.2.80"], "{d}");
    }
}

/// `opsd serve` runs the DNS server on `dns_listen` and the forwarding web
/// server on `forward_listen` and says where; `off` turns each off.
#[test]
fn opsd_serve_answers_dns_and_says_where() {
    let dir = TestDb::new();
    let port = free_port();
    let at = format!("127.0.0.1:{port}");
    let server = Proc::start_env(&dir.db(), &[("OPSD_DNS_LISTEN", at.as_str())]);
    assert_eq!(server.dns.map(|a| a.to_string()), Some(at.clone()));
    let dns = Served::at(at.parse().expect("addr"));
    assert_eq!(dns.dig("not-hosted.example", "A", false).0, "REFUSED");
    assert_eq!(dns.dig("not-hosted.example", "A", true).0, "REFUSED");
    // The forwarding web server too, on its own port.
    let forward = server.forward.expect("forward address");
    let web = Served::at(forward);
    assert_eq!(web.curl("not-forwarded.example", "/", false).0, "404");
    drop(server);
    let dir = TestDb::new();
    let off = Proc::start_env(
        &dir.db(),
        &[("OPSD_DNS_LISTEN", "off"), ("OPSD_FORWARD_LISTEN", "off")],
    );
    assert_eq!(off.dns, None);
    assert_eq!(off.forward, None);
}

impl Served {
    /// curl of `path` with `host`: `(status, Location or the followed URL, body)`.
    fn curl(&self, host: &str, path: &str, follow: bool) -> (String, String, String) {
        let mut cmd = Command::new("timeout");
        cmd.args(["10", "curl", "-s", "-H", &format!("Host: {host}")])
            .args(["-w", "\n%{http_code} %{redirect_url} %{url_effective}"]);
        if follow {
            cmd.arg("-L");
        }
        let out = cmd
            .arg(format!("http://{}{path}", self.addr))
            .output()
            .expect("run curl");
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let (body, last) = text.rsplit_once('\n').unwrap_or(("", &text));
        let mut parts = last.split(' ');
        let code = parts.next().unwrap_or("").to_string();
        let redirect = parts.next().unwrap_or("").to_string();
        let effective = parts.next().unwrap_or("").to_string();
        let location = if follow { effective } else { redirect };
        (code, location, body.to_string())
    }
}

/// Issue 31.4: forwards set over OPS are served — a 301 with the path and query
/// kept, a masked page framing the destination (escaped), a wildcard, 404 for
/// anything else — and a real HTTP client follows one.
#[test]
fn forwards_set_over_ops_redirect_and_frame() {
    let s = Server::start();
    let d = "forward-web.com";
    let r = s.ops(&register(d, 1, ""));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let web = start_web(&s);
    assert_eq!(web.curl(d, "/", false).0, "404");
    assert_eq!(
        s.ops(&call("CREATE_DOMAIN_FORWARDING", d, "")).code(),
        Some(200)
    );
    let entry = |sub: &str, url: &str, extra: &str| {
        format!(
            "<item><dt_assoc><item key=\"subdomain\">{sub}</item><item key=\"destination_url\">{url}</item>{extra}</dt_assoc></item>"
        )
    };
    let own = format!("http://{}/", s.addr);
    let list = [
        entry("", "https://bare.example.org/", ""),
        entry(
            "www",
            "https://www.example.org/landing",
            "<item key=\"masked\">1</item><item key=\"title\">&lt;Shop &amp; \"more\"&gt;</item><item key=\"description\">A &lt;b&gt;shop&lt;/b&gt;</item><item key=\"keywords\">shop, more</item>",
        ),
        entry("*", "https://any.example.org/", ""),
        entry("home", &own, ""),
        entry("off", "https://off.example.org/", "<item key=\"enabled\">0</item>"),
    ]
    .iter()
    .enumerate()
    .map(|(i, e)| e.replacen("<item>", &format!("<item key=\"{i}\">"), 1))
    .collect::<String>();
    let r = s.ops(&call(
        "SET_DOMAIN_FORWARDING",
        d,
        &format!("<item key=\"forwarding\"><dt_array>{list}</dt_array></item>"),
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());

    // Seen at once (the server is woken), with the path and query kept.
    let start = Instant::now();
    let mut got = web.curl(d, "/a/b?x=1", false);
    while got.0 != "301" && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(50));
        got = web.curl(d, "/a/b?x=1", false);
    }
    assert_eq!(
        (got.0.as_str(), got.1.as_str()),
        ("301", "https://bare.example.org/a/b?x=1")
    );
    let (code, to, _) = web.curl("deep.sub.forward-web.com:80", "/", false);
    assert_eq!(
        (code.as_str(), to.as_str()),
        ("301", "https://any.example.org/")
    );
    let (code, _, page) = web.curl("WWW.forward-web.com", "/", false);
    assert_eq!(code, "200");
    assert!(
        page.contains("<iframe src=\"https:&#x2f;&#x2f;www.example.org&#x2f;landing\""),
        "{page}"
    );
    assert!(
        page.contains("<title>&lt;Shop &amp; &quot;more&quot;&gt;</title>"),
        "{page}"
    );
    assert!(
        page.contains("content=\"A &lt;b&gt;shop&lt;&#x2f;b&gt;\""),
        "{page}"
    );
    assert_eq!(
        web.curl("off.forward-web.com", "/", false).0,
        "404",
        "disabled"
    );
    assert_eq!(web.curl("elsewhere.org", "/", false).0, "404");
    // A real client follows a forward to its destination (here opsd's own port).
    let (_, landed, _) = web.curl("home.forward-web.com", "/", true);
    assert_eq!(landed, own);

    // Deleted: gone at once.
    assert_eq!(
        s.ops(&call("DELETE_DOMAIN_FORWARDING", d, "")).code(),
        Some(200)
    );
    let start = Instant::now();
    while web.curl(d, "/", false).0 != "404" && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(web.curl(d, "/", false).0, "404");
}

/// A zone set through one instance answers in DNS from another sharing the
/// database (which reads the zones again within `dns::POLL`).
#[test]
fn a_zone_set_on_one_instance_answers_from_another() {
    let dir = TestDb::new();
    let db = dir.db();
    opsd_ok(&db, &["reseller", "add", USER, "--key", KEY], "");
    opsd_ok(
        &db,
        &[
            "domain",
            "add",
            USER,
            "two-instances.com",
            "--profile",
            "buyer:buyer-pass",
        ],
        "",
    );
    let a = Proc::start(&db);
    let b = Proc::start(&db);
    let dns_b = Served::at(b.dns.expect("DNS of the second instance"));
    assert_eq!(dns_b.dig("two-instances.com", "A", false).0, "REFUSED");
    let r = Conn::open(a.addr).send(&http10(
        &call("CREATE_DNS_ZONE", "two-instances.com", RECORDS),
        USER,
        KEY,
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let (status, a_records) = dns_b.dig_until("two-instances.com", "A", |g| g.0 == "NOERROR");
    assert_eq!(status, "NOERROR");
    assert_eq!(a_records, ["A 192.0.2.10"]);
    drop((a, b));
}

/// A domain that leaves its reseller takes its zone out of DNS (within
/// `dns::FULL_RELOAD`, though no zone changed).
#[test]
fn a_revoked_domain_leaves_dns() {
    let s = Server::start();
    let d = "leaving-dns.com";
    let r = s.ops(&register(d, 1, ""));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        s.ops(&call("CREATE_DNS_ZONE", d, RECORDS)).code(),
        Some(200)
    );
    let dns = start_dns(&s);
    assert_eq!(dns.dig_until(d, "A", |g| g.0 == "NOERROR").0, "NOERROR");
    let r = s.ops(&call(
        "REVOKE",
        d,
        &format!("<item key=\"reseller\">{USER}</item>"),
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        dns.dig_within(15, d, "A", |g| g.0 == "REFUSED").0,
        "REFUSED"
    );
}
