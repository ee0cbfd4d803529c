//! opsd on PostgreSQL, as ratios against baselines measured in the same run:
//!
//! - accept: a 10,000-domain SIMPLE_TRANSFER over HTTP, until the reply, against
//!   md5 of the body + one quick-xml pass + one transaction inserting the 10,000
//!   rows into a table shaped like `transfer_domains` in the same PostgreSQL, 64
//!   rows per prepared INSERT (the least any server on it must do; the baseline
//!   pays no HTTP);
//! - STATUS polls per second, 8 keep-alive clients for a few seconds: one instance
//!   on PostgreSQL, and two on one PostgreSQL database (clients spread over both),
//!   against one instance on a SQLite file.
//!
//! Needs a cluster it may create databases in: `OPSD_BENCH_POSTGRES=postgres://…`
//! (`scripts/pg-cluster start DIR` prints one). `cargo bench --bench postgres`

#[path = "support.rs"]
#[allow(dead_code)] // peak_rss_kib: not measured here
mod support;

use std::hint::black_box;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use opsd::store::Store;
use opsd::store::scratch::ScratchDb;

const USER: &str = "bench";
const KEY: &str = "benchkey";
const DOMAINS: usize = 10_000;
const RUNS: usize = 9;
const CLIENTS: usize = 8;
const POLL_FOR: Duration = Duration::from_secs(4);

fn main() {
    let Ok(cluster) = std::env::var("OPSD_BENCH_POSTGRES") else {
        eprintln!(
            "set OPSD_BENCH_POSTGRES to a PostgreSQL cluster's URL (scripts/pg-cluster start DIR)"
        );
        std::process::exit(2);
    };
    println!(
        "machine: {} cores; medians of {RUNS} runs (ratios: median of the runs' ratios)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    accept(&cluster);
    polls(&cluster);
}

fn store_on(db: &std::path::Path) -> Store {
    let store = Store::open(db).expect("store");
    store.add_reseller(USER, KEY, &[], 0).expect("reseller");
    store
}

fn accept(cluster: &str) {
    let served = ScratchDb::create(cluster, "bench_accept").expect("database");
    let db = PathBuf::from(served.url());
    let (addr, _app) = support::start_server(store_on(&db), db);
    let bare = ScratchDb::create(cluster, "bench_bare").expect("database");
    let mut base = postgres::Client::connect(bare.url(), postgres::NoTls).expect("connect");
    base.batch_execute(
        "CREATE TABLE domains (job_id BIGINT NOT NULL, position BIGINT NOT NULL,
           name TEXT NOT NULL, auth_info TEXT NOT NULL, status TEXT NOT NULL, reason TEXT,
           registrant_id BIGINT, PRIMARY KEY (job_id, position))",
    )
    .expect("schema");
    let (mut opsd, mut bare_t) = (Vec::new(), Vec::new());
    for run in 0..RUNS {
        let names: Vec<String> = (0..DOMAINS)
            .map(|i| format!("pg{run}-{i:05}.com"))
            .collect();
        let body = support::transfer_body(&names);
        let raw = support::signed_request("POST / HTTP/1.0", USER, KEY, &body);
        let t = Instant::now();
        let reply = send_once(addr, &raw);
        opsd.push(t.elapsed());
        assert!(reply.contains(">200<"), "submit works: {reply}");
        let t = Instant::now();
        bare_accept(&mut base, &body, run as i64);
        bare_t.push(t.elapsed());
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mut ratios: Vec<f64> = opsd
        .iter()
        .zip(&bare_t)
        .map(|(o, b)| ms(*o) / ms(*b))
        .collect();
    ratios.sort_by(f64::total_cmp);
    println!();
    println!("accept 10,000-domain SIMPLE_TRANSFER on PostgreSQL");
    println!(
        "  opsd {:.1} ms; md5 + parse + one-transaction insert into PostgreSQL {:.1} ms; ratio {:.2}",
        ms(median(&opsd)),
        ms(median(&bare_t)),
        ratios[ratios.len() / 2]
    );
}

/// md5 + parse + one transaction of 64-row INSERTs.
fn bare_accept(c: &mut postgres::Client, body: &[u8], job: i64) {
    black_box(opsd::auth::signature(body, KEY));
    let pairs = support::domain_pairs(body);
    let mut tx = c.transaction().expect("begin");
    let row = |i: usize| {
        let p = 4 * i;
        format!(
            "(${}, ${}, ${}, ${}, 'pending')",
            p + 1,
            p + 2,
            p + 3,
            p + 4
        )
    };
    let many = format!(
        "INSERT INTO domains (job_id, position, name, auth_info, status) VALUES {}",
        (0..64).map(row).collect::<Vec<_>>().join(", ")
    );
    let one = format!(
        "INSERT INTO domains (job_id, position, name, auth_info, status) VALUES {}",
        row(0)
    );
    let many = tx.prepare(&many).expect("prepare");
    let one = tx.prepare(&one).expect("prepare");
    let positions: Vec<i64> = (0..pairs.len() as i64).collect();
    let chunks = pairs.chunks_exact(64);
    let rest = chunks.remainder();
    for (c, chunk) in chunks.enumerate() {
        let mut params: Vec<&(dyn postgres::types::ToSql + Sync)> = Vec::with_capacity(256);
        for (i, (name, auth)) in chunk.iter().enumerate() {
            params.extend([
                &job as &(dyn postgres::types::ToSql + Sync),
                &positions[c * 64 + i],
                name,
                auth,
            ]);
        }
        tx.execute(&many, &params).expect("insert");
    }
    let start = pairs.len() - rest.len();
    for (i, (name, auth)) in rest.iter().enumerate() {
        tx.execute(&one, &[&job, &positions[start + i], name, auth])
            .expect("insert");
    }
    tx.commit().expect("commit");
}

fn polls(cluster: &str) {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("bench.db");
    let lite = start_alone(file);
    let pg1 = ScratchDb::create(cluster, "bench_one").expect("database");
    let one = start_alone(PathBuf::from(pg1.url()));
    let pg2 = ScratchDb::create(cluster, "bench_two").expect("database");
    let db2 = PathBuf::from(pg2.url());
    let a = support::start_server(store_on(&db2), db2.clone());
    let b_store = Store::open(&db2).expect("store");
    let b = support::start_server(b_store, db2);
    // Each sees the other beat: the caches then check the shared commit counter.
    let within = Duration::from_secs(60);
    for s in [&a.1.store, &b.1.store, &a.1.store] {
        s.heartbeat(within).expect("beat");
    }
    let job = submit_small(a.0);
    let two = ([a.0, b.0], job);

    println!();
    println!("SIMPLE_TRANSFER_STATUS polls, {CLIENTS} keep-alive clients, {POLL_FOR:?} each");
    let base = poll_rate(&[lite.0], &lite.1);
    let one_rate = poll_rate(&[one.0], &one.1);
    let two_rate = poll_rate(&two.0, &two.1);
    println!("  one instance on SQLite:          {base:>8.0} req/s (1.00)");
    println!(
        "  one instance on PostgreSQL:      {one_rate:>8.0} req/s ({:.2})",
        one_rate / base
    );
    println!(
        "  two instances on one PostgreSQL: {two_rate:>8.0} req/s ({:.2})",
        two_rate / base
    );
    drop((pg1, pg2, a, b, one, lite));
}

/// One server alone on `db` (it knows it is alone: its caches need no check),
/// with a small job to poll.
fn start_alone(db: PathBuf) -> (SocketAddr, String, opsd::AppState) {
    let store = store_on(&db);
    store.heartbeat(Duration::from_secs(60)).expect("beat");
    let (addr, app) = support::start_server(store, db);
    let job = submit_small(addr);
    (addr, job, app)
}

fn submit_small(addr: SocketAddr) -> String {
    let names: Vec<String> = (0..10)
        .map(|i| format!("poll-{i}-owner{}.com", i % 3))
        .collect();
    let raw = support::signed_request(
        "POST / HTTP/1.0",
        USER,
        KEY,
        &support::transfer_body(&names),
    );
    let reply = send_once(addr, &raw);
    let at = reply.find("simple_transfer_job_id\">").expect("job id") + 24;
    reply[at..]
        .split('<')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Replies a second over `addrs` (client c on addrs[c % len]).
fn poll_rate(addrs: &[SocketAddr], job: &str) -> f64 {
    let raw = support::signed_request(
        "POST / HTTP/1.1\r\nHost: bench",
        USER,
        KEY,
        &support::status_body(job),
    );
    let until = Instant::now() + POLL_FOR;
    let threads: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (addr, raw) = (addrs[c % addrs.len()], raw.clone());
            std::thread::spawn(move || {
                let s = TcpStream::connect(addr).expect("connect");
                let mut s = std::io::BufReader::new(s);
                let mut n = 0_u64;
                while Instant::now() < until {
                    s.get_mut().write_all(&raw).expect("write");
                    let reply = read_reply(&mut s);
                    assert!(reply.contains(">200<"), "status works: {reply}");
                    n += 1;
                }
                n
            })
        })
        .collect();
    let total: u64 = threads.into_iter().map(|t| t.join().expect("client")).sum();
    total as f64 / POLL_FOR.as_secs_f64()
}

/// One keep-alive reply: the head, then Content-Length bytes.
fn read_reply(s: &mut std::io::BufReader<TcpStream>) -> String {
    use std::io::BufRead;
    let mut len = None;
    loop {
        let mut line = String::new();
        s.read_line(&mut line).expect("head");
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse::<usize>().ok();
        }
    }
    let len = len.expect("content-length");
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).expect("body");
    String::from_utf8_lossy(&body).into_owned()
}

fn send_once(addr: SocketAddr, raw: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.write_all(raw).expect("write");
    let mut out = Vec::new();
    s.read_to_end(&mut out).expect("read");
    String::from_utf8_lossy(&out).into_owned()
}

fn median(v: &[Duration]) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    v[v.len() / 2]
}
