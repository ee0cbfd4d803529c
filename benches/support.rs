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
    let app = std::sync::Arc::new(opsd::App::new(store, clock, config));
    let served = app.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let l = tokio::net::TcpListener::from_std(listener).expect("listener");
            let _ = opsd::serve(l, std::future::pending(), served).await;
        });
    });
    (addr, app)
}
