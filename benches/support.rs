//! Helpers shared by the benchmark binaries.

/// Peak resident memory of this process (VmHWM), in KiB.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Starts opsd on `store` (the file `db`) on a free loopback port with a fake clock
/// and no background workers (the bench runs the tasks itself, to time them), served
/// from a thread of its own with a 2-worker runtime as `opsd serve` would.
#[allow(dead_code)] // not every bench starts a server this way
pub fn start_server(
    store: opsd::store::Store,
    db: std::path::PathBuf,
) -> (std::net::SocketAddr, opsd::AppState) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    listener.set_nonblocking(true).expect("nonblocking");
    let mut config = opsd::config::Config::new(addr, db);
    config.workers = false;
    let start = opsd::clock::parse_timestamp("2026-01-01 00:00:00").expect("time");
    let clock = std::sync::Arc::new(opsd::clock::FakeClock::new(start));
    let scenario = opsd::sandbox::Scenario::default();
    let app = std::sync::Arc::new(opsd::app::build(store, clock, config, &scenario).expect("app"));
    let served = app.clone();
    serve_in_thread(listener, move |l| async move {
        let _ = opsd::serve(l, std::future::pending(), served).await;
    });
    (addr, app)
}

/// Runs `serve` on `listener` in a thread of its own, on a 2-worker runtime (as
/// `opsd serve` runs on this machine).
pub fn serve_in_thread<F, Fut>(listener: std::net::TcpListener, serve: F)
where
    F: FnOnce(tokio::net::TcpListener) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let l = tokio::net::TcpListener::from_std(listener).expect("listener");
            serve(l).await;
        });
    });
}

/// An OPS request as clients send it: `first_lines` (request line and any headers
/// before the OPS ones), then the signed headers and `body`.
#[allow(dead_code)] // not every bench sends raw requests
pub fn signed_request(first_lines: &str, user: &str, key: &str, body: &[u8]) -> Vec<u8> {
    let sig = opsd::auth::signature(body, key);
    let mut r = format!(
        "{first_lines}\r\nContent-Type: text/xml\r\nX-Username: {user}\r\nX-Signature: {}\r\nContent-Length: {}\r\n\r\n",
        String::from_utf8_lossy(&sig),
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

/// An OPS request envelope (object DOMAIN) around `attributes`.
#[allow(dead_code)] // not every bench sends OPS requests
pub fn envelope(action: &str, attributes: &str) -> Vec<u8> {
    format!(
        "<?xml version='1.0' encoding='UTF-8' standalone='no' ?><!DOCTYPE OPS_envelope SYSTEM 'ops.dtd'><OPS_envelope><header><version>0.9</version></header><body><data_block><dt_assoc><item key=\"protocol\">XCP</item><item key=\"action\">{action}</item><item key=\"object\">DOMAIN</item><item key=\"attributes\"><dt_assoc>{attributes}</dt_assoc></item></dt_assoc></data_block></body></OPS_envelope>"
    )
    .into_bytes()
}

/// SIMPLE_TRANSFER of `domains`, each with its own auth code.
#[allow(dead_code)]
pub fn transfer_body(domains: &[String]) -> Vec<u8> {
    let items: String = domains
        .iter()
        .enumerate()
        .map(|(i, d)| {
            format!("<item key=\"{i}\"><dt_assoc><item key=\"domain_name\">{d}</item><item key=\"auth_info\">c0de-{i}</item></dt_assoc></item>")
        })
        .collect();
    envelope(
        "SIMPLE_TRANSFER",
        &format!("<item key=\"domain_list\"><dt_array>{items}</dt_array></item>"),
    )
}

/// SIMPLE_TRANSFER_STATUS of `job`.
#[allow(dead_code)]
pub fn status_body(job: &str) -> Vec<u8> {
    envelope(
        "SIMPLE_TRANSFER_STATUS",
        &format!("<item key=\"simple_transfer_job_id\">{job}</item>"),
    )
}

/// The (domain_name, auth_info) pairs of a SIMPLE_TRANSFER body, by one quick-xml
/// pass: the parsing part of the accept baselines.
#[allow(dead_code)]
pub fn domain_pairs(body: &[u8]) -> Vec<(String, String)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut key = String::new();
    let mut name = String::new();
    let mut out = Vec::with_capacity(10_000);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                key = e
                    .try_get_attribute("key")
                    .ok()
                    .flatten()
                    .map(|a| a.value.into_owned())
                    .unwrap_or_default();
            }
            Ok(Event::Text(t)) => match key.as_str() {
                "domain_name" => name = t.into_inner().into_owned(),
                "auth_info" => out.push((std::mem::take(&mut name), t.into_inner().into_owned())),
                _ => {}
            },
            Ok(Event::End(_)) => key.clear(),
            Ok(Event::Eof) | Err(_) => return out,
            _ => {}
        }
    }
}
