//! 10,000-domain requests against baselines measured in the same run:
//!
//! - accept: SIMPLE_TRANSFER over HTTP, until the reply, vs md5 of the body + a
//!   quick-xml pass that picks out the 10,000 (domain_name, auth_info) pairs + one
//!   transaction inserting them into a table shaped like `transfer_domains`;
//! - status: SIMPLE_TRANSFER_STATUS of that job over HTTP vs selecting the same
//!   10,000 rows and writing them as XML with plain string pushes;
//!
//! each baseline twice: behind a bare hyper server, sent the same request bytes by
//! the same client (the ratio the README reports: both sides pay for HTTP), and
//! alone, in process (a stricter figure: opsd's HTTP counted, the baseline's not);
//! - memory: the growth of resident memory per 10,000-domain request in flight (8
//!   sent at once).
//!
//! `cargo bench --bench big`

#[path = "support.rs"]
#[allow(dead_code)] // peak_rss_kib, start_server: this bench samples RSS itself
mod support;

use std::hint::black_box;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use rusqlite::{Connection, params};

const USER: &str = "bench";
const KEY: &str = "benchkey";
const DOMAINS: usize = 10_000;
const RUNS: usize = 15;

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("opsd.db");
    let store = opsd::store::Store::open(&db).expect("store");
    store.add_reseller(USER, KEY, &[], 0).expect("reseller");
    let (addr, _app) = support::start_server(store, db);
    let base = baseline_db(&dir.path().join("baseline.db"));
    let base_addr = start_baseline_server(baseline_db(&dir.path().join("served.db")));

    println!(
        "machine: {} cores; medians of {RUNS} runs (ratios: median of the runs' ratios)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let mut opsd_accept = Vec::new();
    let mut served_accept = Vec::new();
    let mut base_accept = Vec::new();
    let mut job = String::new();
    for run in 0..RUNS {
        let body = transfer_body(run);
        let raw = request(&body);
        let t = Instant::now();
        let reply = send(addr, &raw);
        opsd_accept.push(t.elapsed());
        job = between(&reply, "simple_transfer_job_id\">", "<").expect("job id");
        let t = Instant::now();
        let reply = send(base_addr, &raw);
        served_accept.push(t.elapsed());
        assert!(reply.ends_with("accepted"), "baseline server: {reply}");
        let t = Instant::now();
        baseline_accept(&body, &base, run as i64);
        base_accept.push(t.elapsed());
    }
    report(
        "accept 10,000-domain SIMPLE_TRANSFER",
        &opsd_accept,
        &served_accept,
        &base_accept,
    );

    let status = request(&support::status_body(&job));
    let mut opsd_status = Vec::new();
    let mut served_status = Vec::new();
    let mut base_status = Vec::new();
    let mut reply_len = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        let reply = send(addr, &status);
        opsd_status.push(t.elapsed());
        assert!(
            reply.contains("<item key=\"response_code\">200</item>"),
            "status works"
        );
        reply_len = reply.len();
        let t = Instant::now();
        let reply = send(base_addr, &status);
        served_status.push(t.elapsed());
        assert!(reply.len() > 1_000_000, "baseline server status");
        let t = Instant::now();
        black_box(baseline_status(&base, (RUNS - 1) as i64));
        base_status.push(t.elapsed());
    }
    report(
        &format!("10,000-row SIMPLE_TRANSFER_STATUS reply ({reply_len} bytes)"),
        &opsd_status,
        &served_status,
        &base_status,
    );

    in_flight_memory(addr);
}

/// Medians of the times, and the median of the ratios of each run's pair: the two
/// sides of a pair run back to back, so a slow spell of this shared machine lands on
/// both, where it would skew a ratio of the medians.
fn report(what: &str, opsd: &[Duration], served: &[Duration], alone: &[Duration]) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let ratio = |base: &[Duration]| {
        let mut r: Vec<f64> = opsd
            .iter()
            .zip(base)
            .map(|(o, b)| ms(*o) / ms(*b))
            .collect();
        r.sort_by(f64::total_cmp);
        r[r.len() / 2]
    };
    println!();
    println!("{what}");
    println!(
        "  opsd {:.1} ms; baseline served over HTTP {:.1} ms, ratio {:.2}; baseline in process {:.1} ms, ratio {:.2}",
        ms(median(opsd)),
        ms(median(served)),
        ratio(served),
        ms(median(alone)),
        ratio(alone)
    );
}

/// The baselines behind a bare hyper server (2 workers, as opsd runs here): a body
/// naming SIMPLE_TRANSFER_STATUS gets the status of the last job, any other is
/// accepted as a new job.
fn start_baseline_server(conn: Connection) -> SocketAddr {
    use http_body_util::{BodyExt, Full};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    listener.set_nonblocking(true).expect("nonblocking");
    let conn = std::sync::Arc::new(std::sync::Mutex::new(conn));
    let next_job = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    support::serve_in_thread(listener, move |l| async move {
        loop {
            let Ok((stream, _)) = l.accept().await else {
                continue;
            };
            let (conn, next_job) = (conn.clone(), next_job.clone());
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        let (conn, next_job) = (conn.clone(), next_job.clone());
                        async move {
                            let body = req
                                .into_body()
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            let c = conn.lock().expect("baseline db");
                            let status = body.windows(22).any(|w| w == b"SIMPLE_TRANSFER_STATUS");
                            let reply = if status {
                                baseline_status(
                                    &c,
                                    next_job.load(std::sync::atomic::Ordering::Relaxed) - 1,
                                )
                            } else {
                                let job =
                                    next_job.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                baseline_accept(&body, &c, job);
                                "accepted".to_string()
                            };
                            Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(
                                bytes::Bytes::from(reply),
                            )))
                        }
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    addr
}

fn median(v: &[Duration]) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    v[v.len() / 2]
}

/// Resident memory growth while 8 10,000-domain submits are in flight at once,
/// sampled every millisecond; per request.
fn in_flight_memory(addr: SocketAddr) {
    const AT_ONCE: usize = 8;
    let bodies: Vec<Vec<u8>> = (0..AT_ONCE)
        .map(|i| request(&transfer_body(100 + i)))
        .collect();
    let before = rss_kib();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    let sampler = std::thread::spawn(move || {
        let mut peak = 0;
        while !flag.load(std::sync::atomic::Ordering::Relaxed) {
            peak = peak.max(rss_kib());
            std::thread::sleep(Duration::from_millis(1));
        }
        peak
    });
    let clients: Vec<_> = bodies
        .into_iter()
        .map(|raw| std::thread::spawn(move || send(addr, &raw)))
        .collect();
    for c in clients {
        let reply = c.join().expect("client");
        assert!(reply.contains(">200<"), "submit works");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let peak = sampler.join().expect("sampler");
    // The request bytes held by the client threads are part of the growth; they are
    // counted, so the figure is an upper bound for the server's share.
    let body_kib = request(&transfer_body(0)).len() as u64 / 1024;
    println!();
    println!("memory per in-flight 10,000-domain request ({AT_ONCE} at once)");
    println!(
        "  RSS {} MiB before, peak {} MiB: {:.1} MiB per request (request body {:.1} MiB)",
        before / 1024,
        peak / 1024,
        peak.saturating_sub(before) as f64 / 1024.0 / AT_ONCE as f64,
        body_kib as f64 / 1024.0
    );
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn baseline_db(path: &std::path::Path) -> Connection {
    let c = Connection::open(path).expect("baseline db");
    c.pragma_update(None, "journal_mode", "WAL").expect("wal");
    c.pragma_update(None, "synchronous", "FULL").expect("sync");
    c.execute_batch(
        "CREATE TABLE domains (job_id INTEGER NOT NULL, position INTEGER NOT NULL,
           name TEXT NOT NULL, auth_info TEXT NOT NULL, status TEXT NOT NULL, reason TEXT,
           registrant_id INTEGER, PRIMARY KEY (job_id, position)) WITHOUT ROWID;",
    )
    .expect("schema");
    c
}

/// md5 + parse + one-transaction insert: the least any server must do.
fn baseline_accept(body: &[u8], c: &Connection, job: i64) {
    black_box(opsd::auth::signature(body, KEY));
    let pairs = support::domain_pairs(body);
    assert_eq!(pairs.len(), DOMAINS);
    let tx = c.unchecked_transaction().expect("tx");
    {
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO domains (job_id, position, name, auth_info, status) VALUES (?1, ?2, ?3, ?4, 'pending')",
            )
            .expect("prepare");
        for (i, (name, auth)) in pairs.iter().enumerate() {
            insert
                .execute(params![job, i as i64, name, auth])
                .expect("insert");
        }
    }
    tx.commit().expect("commit");
}

/// The text of every `domain_name` and `auth_info` item, paired in order.
/// Select the job's rows and write them in the status reply's shape.
fn baseline_status(c: &Connection, job: i64) -> String {
    let mut out = String::with_capacity(2 << 20);
    out.push_str("<?xml version='1.0' encoding=\"UTF-8\" standalone=\"no\" ?>\n<OPS_envelope><body><data_block><dt_assoc><item key=\"attributes\"><dt_assoc><item key=\"domain_list\"><dt_array>\n");
    let mut stmt = c
        .prepare_cached(
            "SELECT name, status, registrant_id, reason FROM domains WHERE job_id = ?1 ORDER BY position",
        )
        .expect("prepare");
    let mut rows = stmt.query([job]).expect("query");
    let mut i = 0;
    while let Some(r) = rows.next().expect("row") {
        let name: String = r.get(0).expect("name");
        let status: String = r.get(1).expect("status");
        let registrant: Option<i64> = r.get(2).expect("registrant");
        let reason: Option<String> = r.get(3).expect("reason");
        out.push_str(&format!(
            "       <item key=\"{i}\">\n        <dt_assoc>\n         <item key=\"domain_name\">{name}</item>\n         <item key=\"status\">{status}</item>\n         <item key=\"registrant_id\">{}</item>\n         <item key=\"reason\">{}</item>\n        </dt_assoc>\n       </item>\n",
            registrant.map(|v| v.to_string()).unwrap_or_default(),
            reason.unwrap_or_default()
        ));
        i += 1;
    }
    out.push_str(
        "</dt_array></item></dt_assoc></item></dt_assoc></data_block></body></OPS_envelope>\n",
    );
    out
}

fn transfer_body(run: usize) -> Vec<u8> {
    let names: Vec<String> = (0..DOMAINS)
        .map(|i| format!("big{run}-{i:05}.com"))
        .collect();
    support::transfer_body(&names)
}

/// An HTTP/1.0 request as the PHP toolkit sends it.
fn request(body: &[u8]) -> Vec<u8> {
    support::signed_request("POST / HTTP/1.0", USER, KEY, body)
}

fn send(addr: SocketAddr, raw: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.write_all(raw).expect("write");
    let mut out = Vec::new();
    s.read_to_end(&mut out).expect("read");
    String::from_utf8_lossy(&out).into_owned()
}

fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let at = text.find(start)? + start.len();
    let len = text[at..].find(end)?;
    Some(text[at..at + len].to_string())
}
