//! A 10,000-item bulk push (bulk change push_domains) from submit to completed:
//! `cargo bench --bench push`. Prints the time of each phase and the peak memory.

#[path = "support.rs"]
mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Instant;

use opsd::auth;
use opsd::store::Store;

const N: usize = 10_000;

fn main() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("push.db");
    let store = Store::open(&db).expect("store");
    let losing = store
        .add_reseller("losing", "lkey", &[], 0)
        .expect("reseller");
    let gaining = store
        .add_reseller("gaining", "gkey", &[], 0)
        .expect("reseller");
    store.set_push_enabled(losing, true).expect("enable");
    store.set_push_enabled(gaining, true).expect("enable");
    store
        .set_push_allowed(gaining, losing, true, 0)
        .expect("allow");
    let profile = store.add_profile(losing, "owner", "!", 0).expect("profile");
    drop(store);
    // Seed the portfolio in one transaction (the CLI adds one domain at a time). Its
    // time is the run's baseline: a bare insert of the same 10,000 rows.
    let seeded = Instant::now();
    {
        let mut c = rusqlite::Connection::open(&db).expect("db");
        let tx = c.transaction().expect("tx");
        {
            let mut ins = tx
                .prepare("INSERT INTO domains (name, reseller_id, profile_id, locked, created_at) VALUES (?1, ?2, ?3, ?4, 0)")
                .expect("prepare");
            for i in 0..N {
                ins.execute(rusqlite::params![
                    format!("bulk-{i:05}.com"),
                    losing,
                    profile,
                    i % 10 == 0
                ])
                .expect("insert");
            }
        }
        tx.commit().expect("commit");
    }
    let baseline = seeded.elapsed().as_secs_f64() * 1e3;
    println!("baseline, insert 10,000 portfolio rows in one transaction: {baseline:>7.1} ms");
    let store = Store::open(&db).expect("store");
    let (addr, app) = support::start_server(store, db);

    let items: String = (0..N)
        .map(|i| format!("<item key=\"{i}\">bulk-{i:05}.com</item>"))
        .collect();
    let body = format!(
        "<OPS_envelope><body><data_block><dt_assoc><item key=\"protocol\">XCP</item><item key=\"action\">SUBMIT_BULK_CHANGE</item><item key=\"object\">BULK_CHANGE</item><item key=\"attributes\"><dt_assoc><item key=\"change_type\">push_domains</item><item key=\"change_items\"><dt_array>{items}</dt_array></item><item key=\"gaining_reseller_username\">gaining</item><item key=\"contact_email\">ops@losing.example</item></dt_assoc></item></dt_assoc></data_block></body></OPS_envelope>"
    );
    let sig = String::from_utf8_lossy(&auth::signature(body.as_bytes(), "lkey")).into_owned();
    let total = Instant::now();
    let t = Instant::now();
    let mut s = TcpStream::connect(addr).expect("connect");
    write!(s, "POST / HTTP/1.0\r\nX-Username: losing\r\nX-Signature: {sig}\r\nContent-Length: {}\r\n\r\n{body}", body.len()).expect("write");
    let mut reply = String::new();
    s.read_to_string(&mut reply).expect("read");
    assert!(
        reply.contains("<item key=\"response_code\">200</item>"),
        "{reply}"
    );
    let submit = t.elapsed().as_secs_f64() * 1e3;
    println!(
        "submit 10,000 items:          {submit:>7.0} ms ({:.1}x the baseline)",
        submit / baseline
    );
    let t = Instant::now();
    opsd::jobs::run_due(&app).expect("run");
    let push = t.elapsed().as_secs_f64() * 1e3;
    println!(
        "push them all (workers):      {push:>7.0} ms ({:.1}x the baseline)",
        push / baseline
    );
    println!(
        "total:                        {:>7.0} ms",
        total.elapsed().as_secs_f64() * 1e3
    );
    let c = rusqlite::Connection::open(dir.path().join("push.db")).expect("db");
    let count = |sql: &str| c.query_row(sql, [], |r| r.get::<_, i64>(0)).expect("count");
    let pushed = count("SELECT count(*) FROM bulk_change_items WHERE status = 'pushed'");
    let skipped = count("SELECT count(*) FROM bulk_change_items WHERE status = 'skipped'");
    println!(
        "pushed {pushed}, skipped (locked) {skipped}, report emails {}",
        count("SELECT count(*) FROM outbox")
    );
    assert_eq!(pushed + skipped, N as i64);
    assert_eq!(
        count(&format!(
            "SELECT count(*) FROM domains WHERE reseller_id = {gaining}"
        )),
        pushed
    );
    if let Some(kb) = support::peak_rss_kib() {
        println!(
            "peak RSS (server and client in one process): {} MiB",
            kb / 1024
        );
    }
}
