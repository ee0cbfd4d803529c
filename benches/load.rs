//! Load benchmark: opsd against a bare hyper server that returns a fixed reply, in the
//! same run, so the ratios mean something on a noisy machine.
//!
//! `cargo bench --bench load` (set `LOAD_SECS` to change the length of each run, 2 s
//! by default; each figure is the median of 3 runs alternating with the baseline's).
//!
//! Measures:
//! - SIMPLE_TRANSFER_STATUS of a 10-domain job, requests/s at 1, 8 and 64 keep-alive
//!   connections;
//! - HTTP/1.0 with a new connection per request (the PHP toolkit's way), for the
//!   status request and for `GET /healthz`, which prices the HTTP/1.0 front alone.
//!
//! The 10,000-domain figures are `benches/big.rs`. `LOAD_JOURNAL=off` runs opsd
//! without its request journal.

#[path = "support.rs"]
mod support;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use opsd::clock::SystemClock;
use opsd::config::Config;
use opsd::store::Store;

const USER: &str = "bench";
const KEY: &str = "benchkey";
/// Alternating runs of each server per figure.
const ROUNDS: usize = 3;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let secs: u64 = std::env::var("LOAD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    let dir = tempfile::tempdir().expect("temp dir");
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("server runtime");
    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");

    let opsd_addr = server_rt.block_on(start_opsd(dir.path()));
    // Submit the 10-domain job the status requests read, and take its reply as the
    // bare server's fixed answer so both send the same bytes.
    let domains: Vec<String> = (0..10).map(|i| format!("bench-{i}.com")).collect();
    let submit10 = request11(&support::transfer_body(&domains));
    let job = client_rt.block_on(async {
        let mut c = TcpStream::connect(opsd_addr).await.expect("connect");
        let reply = roundtrip(&mut c, &submit10).await;
        let text = String::from_utf8_lossy(&reply).into_owned();
        let start = text.find("simple_transfer_job_id\">").expect("job id") + 24;
        text[start..start + text[start..].find('<').expect("end")].to_string()
    });
    let status = request11(&support::status_body(&job));
    let status_reply = client_rt.block_on(async {
        let mut c = TcpStream::connect(opsd_addr).await.expect("connect");
        roundtrip(&mut c, &status).await
    });
    assert!(
        String::from_utf8_lossy(&status_reply).contains(">200<"),
        "status works"
    );
    let bare_addr = server_rt.block_on(start_bare(Bytes::from(status_reply.clone())));

    println!(
        "machine: {} cores; medians of {ROUNDS} alternating runs of {secs} s",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!();
    println!("SIMPLE_TRANSFER_STATUS, 10-domain job, HTTP/1.1 keep-alive");
    println!(
        "{:>6}  {:>12}  {:>12}  {:>6}",
        "conns", "opsd req/s", "bare req/s", "ratio"
    );
    for conns in [1usize, 8, 64] {
        // Alternate short runs and take medians: a slow spell of the machine then
        // falls on both servers rather than on one.
        let (mut os, mut bs) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            os.push(client_rt.block_on(keepalive(opsd_addr, &status, conns, secs)));
            bs.push(client_rt.block_on(keepalive(bare_addr, &status, conns, secs)));
        }
        let (o, b) = (median(os), median(bs));
        println!("{conns:>6}  {o:>12.0}  {b:>12.0}  {:>6.2}", o / b);
    }

    println!();
    println!("HTTP/1.0, new connection per request (PHP toolkit style), 8 clients");
    let status10 = request10(&support::status_body(&job));
    let o = client_rt.block_on(per_connection(opsd_addr, &status10, 8, secs));
    let b = client_rt.block_on(per_connection(bare_addr, &status10, 8, secs));
    println!("  opsd {o:.0} req/s, bare {b:.0} req/s, ratio {:.2}", o / b);

    println!();
    println!(
        "HTTP/1.0 GET /healthz, new connection per request, 8 clients (prices the HTTP/1.0 front)"
    );
    let health = b"GET /healthz HTTP/1.0\r\n\r\n";
    let o = client_rt.block_on(per_connection(opsd_addr, health, 8, secs));
    let b = client_rt.block_on(per_connection(bare_addr, health, 8, secs));
    println!("  opsd {o:.0} req/s, bare {b:.0} req/s, ratio {:.2}", o / b);

    if let Some(kb) = support::peak_rss_kib() {
        println!();
        println!(
            "peak RSS of this process (both servers and the client): {} MiB",
            kb / 1024
        );
    }
}

async fn start_opsd(dir: &std::path::Path) -> SocketAddr {
    let db = dir.join("bench.db");
    let store = Store::open(&db).expect("store");
    store.add_reseller(USER, KEY, &[], 0).expect("reseller");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let scenario = opsd::sandbox::Scenario::default();
    let mut config = Config::new(addr, db);
    // `LOAD_JOURNAL=off` measures the server without its request journal (the
    // sandbox keeps one by default; production mode keeps none).
    config.journal = std::env::var("LOAD_JOURNAL").map_or(true, |v| v != "off");
    let app =
        Arc::new(opsd::app::build(store, Arc::new(SystemClock), config, &scenario).expect("app"));
    tokio::spawn(async move {
        let _ = opsd::serve(listener, std::future::pending(), app).await;
    });
    addr
}

/// The baseline: hyper reading the whole body and answering fixed bytes.
async fn start_bare(reply: Bytes) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let reply = reply.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let reply = reply.clone();
                    async move {
                        let _ = req.into_body().collect().await;
                        Ok::<_, Infallible>(hyper::Response::new(Full::new(reply)))
                    }
                });
                let _ = http1::Builder::new()
                    .title_case_headers(true)
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    addr
}

async fn keepalive(addr: SocketAddr, req: &[u8], conns: usize, secs: u64) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let req = req.to_vec();
        let (done, stop) = (done.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut c = TcpStream::connect(addr).await.expect("connect");
            let _ = c.set_nodelay(true);
            while !stop.load(Ordering::Relaxed) {
                roundtrip(&mut c, &req).await;
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    measure(done, stop, tasks, secs).await
}

async fn per_connection(addr: SocketAddr, req: &[u8], clients: usize, secs: u64) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let req = req.to_vec();
        let (done, stop) = (done.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let mut c = TcpStream::connect(addr).await.expect("connect");
                roundtrip(&mut c, &req).await;
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    measure(done, stop, tasks, secs).await
}

async fn measure(
    done: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    secs: u64,
) -> f64 {
    tokio::time::sleep(Duration::from_millis(300)).await;
    let start_count = done.load(Ordering::Relaxed);
    let start = Instant::now();
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let n = done.load(Ordering::Relaxed) - start_count;
    let elapsed = start.elapsed();
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    n as f64 / elapsed.as_secs_f64()
}

/// Writes one request and reads one reply (head + Content-Length body).
async fn roundtrip(c: &mut TcpStream, req: &[u8]) -> Vec<u8> {
    c.write_all(req).await.expect("write");
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 16384];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = c.read(&mut chunk).await.expect("read");
                assert!(n > 0, "closed mid-body");
                buf.extend_from_slice(&chunk[..n]);
            }
            return buf.split_off(end + 4);
        }
        let n = c.read(&mut chunk).await.expect("read");
        assert!(n > 0, "closed before reply");
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn request11(body: &[u8]) -> Vec<u8> {
    support::signed_request("POST / HTTP/1.1\r\nHost: bench", USER, KEY, body)
}

fn request10(body: &[u8]) -> Vec<u8> {
    support::signed_request("POST / HTTP/1.0", USER, KEY, body)
}
