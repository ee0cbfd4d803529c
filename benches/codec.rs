//! Codec benches (criterion): reading a 10,000-domain SIMPLE_TRANSFER envelope, writing a
//! 10,000-row status reply, and signing a 1 MB body. `cargo bench --bench codec`.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

use opsd::ops::{self, Limits, Map, Value};

fn transfer_envelope(n: usize) -> Vec<u8> {
    let items: String = (0..n)
        .map(|i| {
            format!("<item key=\"{i}\"><dt_assoc><item key=\"domain_name\">bulk-{i:05}.com</item><item key=\"auth_info\">c0de&amp;{i}</item></dt_assoc></item>")
        })
        .collect();
    format!("<OPS_envelope><header><version>0.9</version></header><body><data_block><dt_assoc><item key=\"protocol\">XCP</item><item key=\"action\">SIMPLE_TRANSFER</item><item key=\"object\">DOMAIN</item><item key=\"attributes\"><dt_assoc><item key=\"domain_list\"><dt_array>{items}</dt_array></item></dt_assoc></item></dt_assoc></data_block></body></OPS_envelope>").into_bytes()
}

fn status_reply(n: usize) -> Map {
    let domains = (0..n)
        .map(|i| {
            let mut m = Map::new();
            m.insert("domain_name".into(), format!("bulk-{i:05}.com").into());
            m.insert("status".into(), "pending".into());
            m.insert("registrant_id".into(), "".into());
            m.insert("reason".into(), "".into());
            Value::Map(m)
        })
        .collect();
    let mut attrs = Map::new();
    attrs.insert("domain_list".into(), Value::List(domains));
    let mut top = Map::new();
    top.insert("protocol".into(), "XCP".into());
    top.insert("attributes".into(), Value::Map(attrs));
    top
}

fn benches(c: &mut Criterion) {
    let body = transfer_envelope(10_000);
    let limits = Limits::default();
    c.bench_function("read 10k-domain SIMPLE_TRANSFER", |b| {
        b.iter(|| ops::read(black_box(&body), &limits));
    });
    let reply = status_reply(10_000);
    c.bench_function("write 10k-row status reply", |b| {
        b.iter(|| ops::write_envelope(black_box(&reply)));
    });
    c.bench_function("signature of a 1 MB body", |b| {
        b.iter(|| opsd::auth::signature(black_box(&body), "key"));
    });
}

criterion_group! {
    name = codec;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(codec);
