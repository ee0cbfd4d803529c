//! DNS benchmark: opsd's DNS server against a bare hickory-server whose handler
//! answers every question with one fixed record, in the same run, so the ratio
//! means something on a noisy machine; and SET_DNS_ZONE of a 100-record zone
//! over HTTP against a 1-record one.
//!
//! `cargo bench --bench dns` (`LOAD_SECS`, 2 s by default, is the length of each
//! run; each figure is the median of 3 runs alternating with the baseline's).
//! Queries come from 64 UDP sockets on eight loopback addresses (127.0.0.2 to
//! .9), one outstanding question each, so that the per-address limit is not what
//! is measured.

#[path = "support.rs"]
#[allow(dead_code)] // peak_rss_kib: no memory figures here
mod support;

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hickory_proto::op::{Message, MessageType, Metadata, OpCode, Query};
use hickory_proto::rr::rdata::A;
use hickory_proto::rr::{Name, RData, Record, RecordType};
use hickory_server::net::runtime::Time;
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::zone_handler::MessageResponseBuilder;

const USER: &str = "bench";
const KEY: &str = "benchkey";
const ROUNDS: usize = 3;
const DOMAIN: &str = "bench-zone.com";

/// The baseline: one fixed A record for any question.
struct Fixed(Record);

#[async_trait::async_trait]
impl RequestHandler for Fixed {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        mut response: R,
    ) -> ResponseInfo {
        let mut metadata = Metadata::response_from_request(&request.metadata);
        metadata.authoritative = true;
        let msg = MessageResponseBuilder::from_message_request(request).build(
            metadata,
            std::iter::once(&self.0),
            std::iter::empty(),
            std::iter::empty(),
            std::iter::empty(),
        );
        match response.send_response(msg).await {
            Ok(info) => info,
            Err(_) => panic!("baseline send failed"),
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// A query for `name` A with `id`, as bytes.
fn query(name: &str, id: u16) -> Vec<u8> {
    let mut m = Message::new(id, MessageType::Query, OpCode::Query);
    m.add_query(Query::query(
        Name::from_str(name).expect("name"),
        RecordType::A,
    ));
    m.to_vec().expect("encode")
}

/// Answers a second from `server` over `secs` seconds.
fn load(rt: &tokio::runtime::Runtime, server: SocketAddr, name: &'static str, secs: u64) -> f64 {
    rt.block_on(async move {
        let done = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for i in 0..64u16 {
            let (done, stop) = (done.clone(), stop.clone());
            let src = SocketAddr::from(([127, 0, 0, 2 + (i % 8) as u8], 0));
            tasks.push(tokio::spawn(async move {
                let sock = tokio::net::UdpSocket::bind(src).await.expect("bind client");
                sock.connect(server).await.expect("connect");
                let mut buf = [0u8; 1500];
                let mut id = i.wrapping_mul(1000);
                while !stop.load(Ordering::Relaxed) {
                    id = id.wrapping_add(1);
                    if sock.send(&query(name, id)).await.is_err() {
                        continue;
                    }
                    if let Ok(Ok(n)) =
                        tokio::time::timeout(Duration::from_millis(500), sock.recv(&mut buf)).await
                        && n > 12
                    {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }));
        }
        tokio::time::sleep(Duration::from_secs(secs)).await;
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            let _ = t.await;
        }
        done.load(Ordering::Relaxed) as f64 / secs as f64
    })
}

/// One OPS request over a fresh HTTP/1.0 connection; the reply's bytes.
fn ops(addr: SocketAddr, body: &[u8]) -> Vec<u8> {
    let raw = support::signed_request("POST / HTTP/1.0", USER, KEY, body);
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.write_all(&raw).expect("write");
    let mut out = Vec::new();
    s.read_to_end(&mut out).expect("read");
    out
}

/// `records` of `n` A records under distinct names.
fn records(n: usize, round: usize) -> String {
    let items: String = (0..n)
        .map(|i| {
            format!(
                "<item key=\"{i}\"><dt_assoc><item key=\"subdomain\">h{i}</item><item key=\"ip_address\">192.0.2.{}</item></dt_assoc></item>",
                (i + round) % 250 + 1
            )
        })
        .collect();
    format!(
        "<item key=\"domain\">{DOMAIN}</item><item key=\"records\"><dt_assoc><item key=\"A\"><dt_array>{items}</dt_array></item></dt_assoc></item>"
    )
}

fn main() {
    let secs: u64 = std::env::var("LOAD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bench.db");
    let store = opsd::store::Store::open(&db).expect("store");
    let r = store.add_reseller(USER, KEY, &[], 0).expect("reseller");
    store.set_balance(r, 100_000_000).expect("balance");
    let hash = opsd::auth::hash_password("bench-pass").expect("hash");
    let p = store.add_profile(r, "bench", &hash, 0).expect("profile");
    store
        .add_domain(r, p, DOMAIN, false, 0, 4_102_444_800)
        .expect("domain");
    let (http, app) = support::start_server(store, db);

    // SET_DNS_ZONE: 100 records against 1.
    let made = ops(http, &support::envelope("CREATE_DNS_ZONE", &records(1, 0)));
    assert!(
        String::from_utf8_lossy(&made).contains("Command Successful"),
        "{}",
        String::from_utf8_lossy(&made)
    );
    let set = |n: usize| {
        let calls = 200;
        let t = Instant::now();
        for round in 0..calls {
            let reply = ops(http, &support::envelope("SET_DNS_ZONE", &records(n, round)));
            let text = String::from_utf8_lossy(&reply);
            assert!(text.contains("Command Successful"), "{text}");
        }
        t.elapsed().as_secs_f64() * 1000.0 / calls as f64
    };
    let (mut small, mut big) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        small.push(set(1));
        big.push(set(100));
    }
    let (small, big) = (median(small), median(big));
    println!(
        "SET_DNS_ZONE over HTTP/1.0: 100 records {big:.2} ms, 1 record {small:.2} ms (x{:.2})",
        big / small
    );

    // The DNS servers: opsd's, answering from the zone set last, and the baseline.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("server runtime");
    let opsd_dns = server_rt.block_on(async {
        let (udp, tcp) = opsd::dns::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind");
        let at = udp.local_addr().expect("addr");
        tokio::spawn(opsd::dns::serve(
            app.clone(),
            udp,
            tcp,
            std::future::pending(),
        ));
        at
    });
    let bare = server_rt.block_on(async {
        let udp = tokio::net::UdpSocket::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let at = udp.local_addr().expect("addr");
        let record = Record::from_rdata(
            Name::from_str("h1.bench-zone.com.").expect("name"),
            3600,
            RData::A(A::new(192, 0, 2, 1)),
        );
        let mut server = hickory_server::Server::new(Fixed(record));
        server.register_socket(udp);
        tokio::spawn(async move {
            let _ = server.block_until_done().await;
        });
        at
    });
    std::thread::sleep(Duration::from_millis(300));
    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let (mut ours, mut base) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        ours.push(load(&client_rt, opsd_dns, "h1.bench-zone.com.", secs));
        base.push(load(&client_rt, bare, "h1.bench-zone.com.", secs));
    }
    let (ours, base) = (median(ours), median(base));
    println!(
        "DNS over UDP, 64 clients: opsd {ours:.0} answers/s, bare hickory-server {base:.0} answers/s (x{:.2})",
        ours / base
    );
}
