//! HTTP on hyper 1: the accept loop, per-connection setup and graceful shutdown.
//!
//! `serve` is what `main` and the tests call: the listener is bound by the caller, so a
//! test knows the port before the server runs and needs no sleep.

mod activity;
mod admin;
mod admission;
mod email;
mod front;
mod journaled;
mod metrics;
mod ops;
mod pages;
mod proxy;
mod routes;
mod slots;
mod srv;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::api::Api;
use crate::app::AppState;

/// Longest first line the front reads before handing the stream to hyper as it is.
const MAX_FIRST_LINE: usize = 8 * 1024;

/// Serves plain HTTP until `shutdown` completes, then stops accepting and waits (up
/// to the configured grace) for requests in flight to finish.
pub async fn serve(
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
    state: AppState,
) -> io::Result<()> {
    serve_with_tls(listener, None, shutdown, state).await
}

/// Like [`serve`], with HTTPS on a second listener: the same routes and limits, the
/// TLS handshake inside the same header timeout a plain client gets.
pub async fn serve_with_tls(
    listener: TcpListener,
    tls: Option<(TcpListener, TlsAcceptor)>,
    shutdown: impl Future<Output = ()>,
    state: AppState,
) -> io::Result<()> {
    serve_api(listener, tls, shutdown, Arc::new(Api::new(state))).await
}

/// Like [`serve_with_tls`], with an [`Api`] (and its caches) the caller keeps.
pub async fn serve_api(
    listener: TcpListener,
    tls: Option<(TcpListener, TlsAcceptor)>,
    shutdown: impl Future<Output = ()>,
    api: Arc<Api>,
) -> io::Result<()> {
    let state = api.app.clone();
    let (stop_presence, presence_stopped) = tokio::sync::watch::channel(false);
    let flusher = tokio::spawn(journal_flusher(state.clone(), presence_stopped.clone()));
    let presence = tokio::spawn(presence(state.clone(), presence_stopped));
    let graceful = GracefulShutdown::new();
    let mut shutdown = pin!(shutdown);
    let (stop_workers, workers_stopped) = tokio::sync::watch::channel(false);
    let workers = state.config.workers.then(|| {
        let mut rx = workers_stopped;
        tokio::spawn(crate::jobs::worker(state.clone(), async move {
            let _ = rx.changed().await;
        }))
    });
    // Connections are accepted at once and admitted by their slots (see `slots`):
    // limits per address, and the idlest connection gives way when all are taken.
    let slots = slots::Slots::new(
        state.config.max_connections,
        state.config.max_connections_per_ip,
    );
    let admission = Arc::new(Admission {
        bodies: admission::BodyBudget::new(state.config.body_budget_bytes),
        tenants: admission::TenantGate::new(state.config.reseller_concurrency),
    });
    let (tls_listener, acceptor) = tls.unzip();
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a.map(|a| (a, false)),
            a = accept_opt(tls_listener.as_ref()) => a.map(|a| (a, true)),
            () = &mut shutdown => break,
        };
        match accepted {
            Ok(((stream, peer), secure)) => {
                let _ = stream.set_nodelay(true);
                let conn = Conn {
                    api: api.clone(),
                    admission: admission.clone(),
                    watcher: graceful.watcher(),
                    acceptor: acceptor.clone().filter(|_| secure),
                };
                if proxy::trusted(&state.config.trusted_proxies, peer.ip()) {
                    // The client's address may come first: admitted by it.
                    let slots = slots.clone();
                    let wait = state.config.header_timeout;
                    tokio::spawn(async move {
                        let mut stream = stream;
                        let client =
                            match tokio::time::timeout(wait, proxy::read_header(&mut stream)).await
                            {
                                Ok(Ok(named)) => named.unwrap_or(peer),
                                Ok(Err(e)) => {
                                    tracing::debug!(%peer, error = %e, "PROXY header refused");
                                    return;
                                }
                                Err(_) => {
                                    tracing::debug!(%peer, "no PROXY header in time; closing");
                                    return;
                                }
                            };
                        if let Some(slot) = slots.admit(client.ip()) {
                            conn.serve(stream, client, slot).await;
                        }
                    });
                    continue;
                }
                let Some(slot) = slots.admit(peer.ip()) else {
                    // Closed at once: no task, no buffer.
                    drop(stream);
                    continue;
                };
                tokio::spawn(conn.serve(stream, peer, slot));
            }
            // Out of descriptors and the like: keep serving the connections we have.
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
    drop(tls_listener);
    drop(listener);
    let _ = stop_workers.send(true);
    tracing::info!("shutting down: waiting for requests in flight");
    if tokio::time::timeout(state.config.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("shutdown grace period over; closing remaining connections");
    }
    if let Some(w) = workers {
        // The worker finishes the step it is in (each step is one transaction).
        let _ = w.await;
    }
    // Whatever this instance still holds a lease on goes back at once, for the
    // other instances to take instead of waiting for the leases to run out.
    let s = state.clone();
    let freed = tokio::task::spawn_blocking(move || {
        let me = s.store.instance().to_string();
        s.store.free_leases_of(&me)
    })
    .await;
    match freed {
        Ok(Ok(n)) if n > 0 => tracing::info!(leases = n, "leases handed back"),
        Ok(Err(e)) => tracing::warn!(error = %e, "could not hand the leases back"),
        _ => {}
    }
    let _ = stop_presence.send(true);
    let _ = presence.await;
    let _ = flusher.await;
    Ok(())
}

/// Writes the journal's buffer every `journal::FLUSH_EVERY`, and once more at
/// shutdown (the request path only buffers: no store write for the journal there).
async fn journal_flusher(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut backoff = crate::jobs::Backoff::new("journal flush");
    let mut wait = crate::journal::FLUSH_EVERY;
    loop {
        let stopping = tokio::select! {
            _ = stop.changed() => true,
            () = tokio::time::sleep(wait) => false,
        };
        let s = state.clone();
        let flushed = tokio::task::spawn_blocking(move || s.journal.flush(&s.store, s.now()))
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()));
        wait = backoff
            .after(&flushed)
            .unwrap_or(crate::journal::FLUSH_EVERY);
        if stopping {
            break;
        }
    }
}

/// What requests may hold at once, across every connection (see `admission`).
#[derive(Debug)]
pub(crate) struct Admission {
    pub bodies: admission::BodyBudget,
    pub tenants: admission::TenantGate,
}

/// How often a serving instance beats its counter in the database (see
/// `Store::heartbeat`); one silent for three beats counts as gone.
const BEAT: std::time::Duration = std::time::Duration::from_secs(2);

/// This instance's presence on the database while it serves: a beat now (before
/// the first request can use a cache), then every [`BEAT`]; gone at shutdown.
async fn presence(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut backoff = crate::jobs::Backoff::new("instance heartbeat");
    loop {
        let s = state.clone();
        let beat = tokio::task::spawn_blocking(move || s.store.heartbeat(BEAT * 3))
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()));
        let wait = backoff.after(&beat).map_or(BEAT, |w| w.max(BEAT));
        tokio::select! {
            _ = stop.changed() => break,
            () = tokio::time::sleep(wait) => {}
        }
    }
    let s = state.clone();
    let _ = tokio::task::spawn_blocking(move || s.store.leave()).await;
}

/// What serving one accepted connection needs.
struct Conn {
    api: Arc<Api>,
    admission: Arc<Admission>,
    watcher: Watcher,
    /// The TLS acceptor, for a connection to the TLS port.
    acceptor: Option<TlsAcceptor>,
}

impl Conn {
    /// Serves the connection of `peer` (the client, as a trusted proxy may have
    /// named it) in its slot: the TLS handshake when it came to the TLS port,
    /// then HTTP, until it ends or another client needs the slot.
    async fn serve(self, stream: tokio::net::TcpStream, peer: SocketAddr, slot: slots::Slot) {
        let Conn {
            api,
            admission,
            watcher,
            acceptor,
        } = self;
        let state = api.app.clone();
        let shed = slot.shed.clone();
        let serve = async {
            match acceptor {
                None => {
                    connection(stream, peer, &api, &admission, watcher, &slot, false).await;
                }
                Some(acceptor) => {
                    let handshake = tokio::time::timeout(
                        state.config.handshake_timeout,
                        acceptor.accept(slot.tracker.wrap(stream)),
                    );
                    match handshake.await {
                        Ok(Ok(tls)) => {
                            connection(tls, peer, &api, &admission, watcher, &slot, true).await;
                        }
                        Ok(Err(e)) => {
                            tracing::debug!(%peer, error = %e, "TLS handshake failed");
                        }
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                }
            }
        };
        tokio::select! {
            () = serve => {}
            // Another client needed the slot while this one was idle.
            () = shed.notified() => {
                tracing::debug!(%peer, "idle connection closed to make room");
            }
        }
        drop(slot);
    }
}

/// Accepts on the listener if there is one; never completes otherwise.
async fn accept_opt(l: Option<&TcpListener>) -> io::Result<(tokio::net::TcpStream, SocketAddr)> {
    match l {
        Some(l) => l.accept().await,
        None => std::future::pending().await,
    }
}

/// One client connection: the HTTP/1.0 front, then hyper. `secure` says it came
/// over TLS (page cookies get `Secure`).
async fn connection<IO>(
    io: IO,
    peer: SocketAddr,
    api: &Arc<Api>,
    admission: &Arc<Admission>,
    watcher: Watcher,
    slot: &slots::Slot,
    secure: bool,
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let state = &api.app;
    let tracker = slot.tracker.clone();
    let first = tokio::time::timeout(
        state.config.header_timeout,
        front::read_first_line(tracker.wrap(io), MAX_FIRST_LINE),
    )
    .await;
    let (io, first) = match first {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => {
            tracing::debug!(%peer, error = %e, "connection failed before a request");
            return;
        }
        Err(_) => {
            tracing::debug!(%peer, "no request line in time; closing");
            return;
        }
    };
    let timeout = state.config.header_timeout;
    let idle = state.config.idle_timeout;
    let service = routes::Service::new(
        api.clone(),
        admission.clone(),
        peer,
        first.http10,
        secure,
        tracker.clone(),
    );
    let conn = http1::Builder::new()
        .title_case_headers(true)
        .timer(TokioTimer::new())
        .header_read_timeout(timeout)
        .serve_connection(TokioIo::new(io), service);
    tokio::select! {
        r = watcher.watch(conn) => if let Err(e) = r {
            tracing::debug!(%peer, error = %e, "connection ended with an error");
        },
        // Nothing in flight and nothing sent either way for the idle time: dropping
        // the connection closes the socket without cutting a reply short.
        () = tracker.idle_for(idle) => tracing::debug!(%peer, "idle keep-alive connection closed"),
    }
}
