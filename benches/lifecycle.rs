//! Scale run of the transfer lifecycle in the sandbox: a 10,000-domain job with 1,000
//! distinct registrants goes submit → analysis → emails → every registrant accepts →
//! the registry completes. Prints the time of each phase and the peak memory.
//!
//! `cargo bench --bench lifecycle` (on PostgreSQL: `OPSD_BENCH_POSTGRES=postgres://… cargo bench --bench lifecycle`)

#[path = "support.rs"]
mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Instant;

use opsd::auth;
use opsd::store::Store;

const USER: &str = "bench";
const KEY: &str = "benchkey";
const ADMIN: &str = "00000000000000000000000000000001";

fn main() {
    let dir = tempfile::tempdir().expect("dir");
    // On PostgreSQL when OPSD_BENCH_POSTGRES names a cluster (a database of its
    // own there, dropped at the end), else on a SQLite file.
    let pg = std::env::var("OPSD_BENCH_POSTGRES").ok().map(|cluster| {
        opsd::store::scratch::ScratchDb::create(&cluster, "bench_lifecycle").expect("database")
    });
    let db = match &pg {
        Some(pg) => std::path::PathBuf::from(pg.url()),
        None => dir.path().join("lifecycle.db"),
    };
    println!(
        "database: {}",
        opsd::store::describe_db(&db.to_string_lossy())
    );
    let store = Store::open(&db).expect("store");
    store.add_reseller(USER, KEY, &[], 0).expect("reseller");
    store
        .set_setting(opsd::app::ADMIN_TOKEN, ADMIN)
        .expect("token");
    let (addr, app) = support::start_server(store, db);

    let domains: Vec<String> = (0..10_000)
        .map(|i| format!("scale-{i:05}-owner{}.com", i % 1000))
        .collect();
    let items: String = domains
        .iter()
        .enumerate()
        .map(|(i, d)| format!("<item key=\"{i}\"><dt_assoc><item key=\"domain_name\">{d}</item><item key=\"auth_info\">c{i}</item></dt_assoc></item>"))
        .collect();
    let body = format!(
        "<OPS_envelope><body><data_block><dt_assoc><item key=\"protocol\">XCP</item><item key=\"action\">SIMPLE_TRANSFER</item><item key=\"object\">DOMAIN</item><item key=\"attributes\"><dt_assoc><item key=\"domain_list\"><dt_array>{items}</dt_array></item></dt_assoc></item></dt_assoc></data_block></body></OPS_envelope>"
    );
    let sig = String::from_utf8_lossy(&auth::signature(body.as_bytes(), KEY)).into_owned();
    let total = Instant::now();

    let t = Instant::now();
    let reply = http(
        addr,
        &format!(
            "POST / HTTP/1.0\r\nX-Username: {USER}\r\nX-Signature: {sig}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(
        reply.contains("<item key=\"response_code\">200</item>"),
        "{reply}"
    );
    println!(
        "submit 10,000 domains:             {:>8.0} ms",
        t.elapsed().as_secs_f64() * 1e3
    );

    let t = Instant::now();
    let ran = opsd::jobs::run_due(&app).expect("run");
    println!(
        "analysis + 1,000 approval emails:  {:>8.0} ms ({ran} tasks)",
        t.elapsed().as_secs_f64() * 1e3
    );

    let tokens: Vec<String> = app
        .store
        .outbox()
        .expect("outbox")
        .into_iter()
        .filter_map(|(_, m, _)| {
            m.body
                .find("/approve/")
                .map(|at| m.body[at + 9..at + 41].to_string())
        })
        .collect();
    assert_eq!(tokens.len(), 1000, "one email per registrant");
    let t = Instant::now();
    for token in &tokens {
        let form = format!("action=do_confirm_bulk_transfer&bulk_transfer_id={token}");
        let r = http(
            addr,
            &format!(
                "POST /transfers HTTP/1.0\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
                form.len()
            ),
        );
        assert!(r.contains("Thank you for confirming batch transfer"), "{r}");
    }
    println!(
        "1,000 registrants accept (HTTP):   {:>8.0} ms",
        t.elapsed().as_secs_f64() * 1e3
    );

    let t = Instant::now();
    let r = http(
        addr,
        &format!(
            "POST /admin/clock/advance HTTP/1.0\r\nAuthorization: Bearer {ADMIN}\r\nContent-Length: 2\r\n\r\n5d"
        ),
    );
    assert!(r.contains("ran "), "{r}");
    println!(
        "advance 5d: 10,000 registry steps: {:>8.0} ms ({})",
        t.elapsed().as_secs_f64() * 1e3,
        r.lines().last().unwrap_or("")
    );

    let status = "<OPS_envelope><body><data_block><dt_assoc><item key=\"action\">SIMPLE_TRANSFER_STATUS</item><item key=\"object\">DOMAIN</item><item key=\"attributes\"><dt_assoc><item key=\"simple_transfer_job_id\">1</item></dt_assoc></item></dt_assoc></data_block></body></OPS_envelope>";
    let sig = String::from_utf8_lossy(&auth::signature(status.as_bytes(), KEY)).into_owned();
    let t = Instant::now();
    let r = http(
        addr,
        &format!(
            "POST / HTTP/1.0\r\nX-Username: {USER}\r\nX-Signature: {sig}\r\nContent-Length: {}\r\n\r\n{status}",
            status.len()
        ),
    );
    let completed = r.matches("<item key=\"status\">completed</item>").count();
    println!(
        "status of the 10,000-domain job:   {:>8.0} ms ({} bytes)",
        t.elapsed().as_secs_f64() * 1e3,
        r.len()
    );
    assert_eq!(
        completed,
        1 + 1000 + 10_000,
        "job, registrants and domains all completed"
    );
    println!(
        "total:                             {:>8.0} ms",
        total.elapsed().as_secs_f64() * 1e3
    );
    if let Some(kb) = support::peak_rss_kib() {
        println!(
            "peak RSS (server and client in one process): {} MiB",
            kb / 1024
        );
    }
}

fn http(addr: SocketAddr, raw: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.write_all(raw.as_bytes()).expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    out
}
