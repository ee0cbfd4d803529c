//! Helpers shared by the benchmark binaries.

/// Peak resident memory of this process (VmHWM), in KiB.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Serves `app` on its configured listener address from a thread of its own (a
/// 2-worker runtime), as `opsd serve` would; returns at once.
#[allow(dead_code)] // not every bench starts a server this way
pub fn serve_in_background(listener: std::net::TcpListener, app: opsd::AppState) {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let l = tokio::net::TcpListener::from_std(listener).expect("listener");
            let _ = opsd::serve(l, std::future::pending(), app).await;
        });
    });
}
