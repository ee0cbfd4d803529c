//! The OPS request path without HTTP (criterion), and the parts it is made of, so a
//! regression in the load or big bench can be placed: `api::handle` on a signed
//! SIMPLE_TRANSFER_STATUS of a 10-domain job, and on a 10,000-domain SIMPLE_TRANSFER
//! (signature, decoding, typed action, store, beside the baseline's plain insert).
//! `cargo bench --bench handle`.

#[path = "support.rs"]
#[allow(dead_code)] // peak_rss_kib: no memory figures here
mod support;

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};

use opsd::api::{self, OpsRequest};
use opsd::auth;
use opsd::clock::SystemClock;
use opsd::config::Config;
use opsd::store::Store;

const USER: &str = "bench";
const KEY: &str = "benchkey";

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("handle.db");
    let store = Store::open(&db).expect("store");
    store.add_reseller(USER, KEY, &[], 0).expect("reseller");
    let mut config = Config::new("127.0.0.1:0".parse().expect("addr"), db);
    config.workers = false;
    let scenario = opsd::sandbox::Scenario::default();
    let app = opsd::app::build(store, Arc::new(SystemClock), config, &scenario).expect("app");
    let api = api::Api::new(Arc::new(app));
    let app = &*api.app;
    let peer = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let call = |body: &[u8]| {
        let sig = auth::signature(body, KEY);
        let sig = String::from_utf8_lossy(&sig).into_owned();
        api.handle(&OpsRequest {
            username: Some(USER),
            signature: Some(&sig),
            peer,
            body,
        })
    };
    let domains: Vec<String> = (0..10).map(|i| format!("bench-{i}.com")).collect();
    let submitted = call(&support::transfer_body(&domains));
    let text = String::from_utf8_lossy(&submitted.body).into_owned();
    let start = text.find("simple_transfer_job_id\">").expect("job id") + 24;
    let job = &text[start..start + text[start..].find('<').expect("end")];
    let status = support::status_body(job);
    let sig = String::from_utf8_lossy(&auth::signature(&status, KEY)).into_owned();
    let req = OpsRequest {
        username: Some(USER),
        signature: Some(&sig),
        peer,
        body: &status,
    };
    assert_eq!(api.handle(&req).code, 200);
    c.bench_function("handle STATUS, 10-domain job", |b| {
        b.iter(|| api.handle(black_box(&req)));
    });
    c.bench_function("read STATUS envelope", |b| {
        b.iter(|| opsd::ops::read(black_box(&status), &app.config.limits));
    });
    c.bench_function("signature of STATUS body", |b| {
        b.iter(|| auth::signature(black_box(&status), KEY));
    });
    let job_id: i64 = job.parse().expect("id");
    c.bench_function("transfer_job read", |b| {
        b.iter(|| app.store.transfer_job(1, black_box(job_id)));
    });
    c.bench_function("reseller lookup", |b| {
        b.iter(|| app.store.reseller_by_name(black_box(USER)));
    });
    accept_parts(c, &api, peer);
}

/// A 10,000-domain SIMPLE_TRANSFER whole, and its parts: signature, decoding into
/// the value tree, the typed action (name checks), the one-transaction store.
fn accept_parts(c: &mut Criterion, api: &api::Api, peer: IpAddr) {
    let app = &*api.app;
    let mut c = c.benchmark_group("accept 10k");
    c.sample_size(10);
    let mut run = 0;
    let mut body = move || {
        run += 1;
        let names: Vec<String> = (0..10_000)
            .map(|i| format!("acc{run}-{i:05}.com"))
            .collect();
        support::transfer_body(&names)
    };
    let first = body();
    c.bench_function("handle", |b| {
        b.iter_batched(
            || {
                let body = body();
                let sig = String::from_utf8_lossy(&auth::signature(&body, KEY)).into_owned();
                (body, sig)
            },
            |(body, sig)| {
                let out = api.handle(&OpsRequest {
                    username: Some(USER),
                    signature: Some(&sig),
                    peer,
                    body: &body,
                });
                assert_eq!(out.code, 200);
            },
            criterion::BatchSize::PerIteration,
        );
    });
    c.bench_function("signature", |b| {
        b.iter(|| auth::signature(black_box(&first), KEY));
    });
    c.bench_function("decode", |b| {
        b.iter(|| opsd::ops::Envelope::parse(black_box(&first), &app.config.limits));
    });
    let env = opsd::ops::Envelope::parse(&first, &app.config.limits).expect("envelope");
    c.bench_function("action", |b| {
        b.iter(|| api::Action::from_request(black_box(&env)));
    });
    let action = api::Action::from_request(&env).expect("an action");
    let Some(t) = action.downcast_ref::<api::actions::SimpleTransfer>() else {
        panic!("a SIMPLE_TRANSFER");
    };
    let t = t.clone();
    let job = opsd::store::NewTransferJob {
        reseller_id: 1,
        name: "bench".into(),
        profile_id: None,
        dns_template: None,
        nameservers: Vec::new(),
        domains: t.domains.into_iter().map(|(d, a)| (d.name, a)).collect(),
        created_at: 0,
    };
    c.bench_function("store", |b| {
        b.iter(|| app.store.create_transfer_job(black_box(&job)));
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let conn = rusqlite::Connection::open(dir.path().join("b.db")).expect("db");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    conn.pragma_update(None, "synchronous", "FULL")
        .expect("sync");
    conn.execute_batch(
        "CREATE TABLE domains (job_id INTEGER NOT NULL, position INTEGER NOT NULL,
           name TEXT NOT NULL, auth_info TEXT NOT NULL, status TEXT NOT NULL, reason TEXT,
           registrant_id INTEGER, PRIMARY KEY (job_id, position)) WITHOUT ROWID;",
    )
    .expect("schema");
    let mut jid = 0i64;
    c.bench_function("baseline insert", |b| {
        b.iter(|| {
            jid += 1;
            let tx = conn.unchecked_transaction().expect("tx");
            {
                let mut insert = tx
                    .prepare_cached(
                        "INSERT INTO domains (job_id, position, name, auth_info, status) VALUES (?1, ?2, ?3, ?4, 'pending')",
                    )
                    .expect("prepare");
                for (i, (name, auth)) in job.domains.iter().enumerate() {
                    insert
                        .execute(rusqlite::params![jid, i as i64, name.as_str(), auth.as_str()])
                        .expect("insert");
                }
            }
            tx.commit().expect("commit");
        });
    });
}

criterion_group! {
    name = handle;
    config = Criterion::default().sample_size(30);
    targets = benches
}
criterion_main!(handle);
