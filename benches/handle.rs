//! The OPS request path without HTTP (criterion): `api::handle` on a signed
//! SIMPLE_TRANSFER_STATUS of a 10-domain job, and the parts it is made of, so a
//! regression in the load bench can be placed. `cargo bench --bench handle`.

#[path = "support.rs"]
#[allow(dead_code)] // peak_rss_kib: no memory figures here
mod support;

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};

use opsd::api::{self, OpsRequest};
use opsd::clock::SystemClock;
use opsd::config::Config;
use opsd::store::Store;
use opsd::{App, auth};

const USER: &str = "bench";
const KEY: &str = "benchkey";

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("handle.db");
    let store = Store::open(&db).expect("store");
    store.add_reseller(USER, KEY, &[], 0).expect("reseller");
    let mut config = Config::new("127.0.0.1:0".parse().expect("addr"), db);
    config.workers = false;
    let app = App::new(store, Arc::new(SystemClock), config);
    let peer = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let call = |body: &[u8]| {
        let sig = auth::signature(body, KEY);
        let sig = String::from_utf8_lossy(&sig).into_owned();
        api::handle(
            &app,
            &OpsRequest {
                username: Some(USER),
                signature: Some(&sig),
                peer,
                body,
            },
        )
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
    assert_eq!(api::handle(&app, &req).code, 200);
    c.bench_function("handle STATUS, 10-domain job", |b| {
        b.iter(|| api::handle(&app, black_box(&req)));
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
}

criterion_group! {
    name = handle;
    config = Criterion::default().sample_size(30);
    targets = benches
}
criterion_main!(handle);
