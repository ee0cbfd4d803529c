//! Connection activity for the idle timeout: the time of the last byte read or
//! written, and how many requests are in flight. The stream wrapper records the
//! bytes; the service marks requests.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;

/// One epoch for every tracker of the process: times of different connections are
/// compared when one must give way, and a per-tracker start truncated to a unit let
/// an earlier activity read as the later one.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

#[derive(Debug)]
struct Shared {
    /// Nanoseconds since [`epoch`] of the last byte either way.
    last: AtomicU64,
    /// Nanoseconds since [`epoch`] when the oldest request in flight began.
    request_since: AtomicU64,
    in_flight: AtomicUsize,
}

/// Shared by a connection's stream, its service and its idle watch.
#[derive(Debug, Clone)]
pub struct Tracker(Arc<Shared>);

impl Tracker {
    pub fn new() -> Tracker {
        let now = Tracker::now_nanos();
        Tracker(Arc::new(Shared {
            last: AtomicU64::new(now),
            request_since: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
        }))
    }

    /// Nanoseconds since the process epoch (u64 nanoseconds last 584 years).
    fn now_nanos() -> u64 {
        u64::try_from(epoch().elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    fn at(nanos: u64) -> Instant {
        epoch() + Duration::from_nanos(nanos)
    }

    fn touch(&self) {
        self.0.last.store(Tracker::now_nanos(), Ordering::Relaxed);
    }

    /// Requests in flight now.
    pub fn in_flight(&self) -> usize {
        self.0.in_flight.load(Ordering::Relaxed)
    }

    /// When the last byte moved (or the tracker was made, if none has).
    pub fn last_activity(&self) -> Instant {
        Tracker::at(self.0.last.load(Ordering::Relaxed))
    }

    pub fn wrap<IO>(&self, io: IO) -> Tracked<IO> {
        Tracked {
            io,
            tracker: self.clone(),
        }
    }

    /// Marks a request in flight until the guard is dropped.
    pub fn request(&self) -> InFlight {
        if self.0.in_flight.fetch_add(1, Ordering::Relaxed) == 0 {
            self.0
                .request_since
                .store(Tracker::now_nanos(), Ordering::Relaxed);
        }
        InFlight(self.clone())
    }

    /// When the request in flight began (meaningful while [`Tracker::in_flight`] is
    /// not zero).
    pub fn request_started(&self) -> Instant {
        Tracker::at(self.0.request_since.load(Ordering::Relaxed))
    }

    /// Completes once no request is in flight and no byte has moved for `idle`.
    pub async fn idle_for(&self, idle: Duration) {
        loop {
            let due = self.last_activity() + idle;
            if Instant::now() >= due && self.0.in_flight.load(Ordering::Relaxed) == 0 {
                return;
            }
            let next = if Instant::now() >= due {
                Instant::now() + idle.min(Duration::from_secs(1))
            } else {
                due
            };
            tokio::time::sleep_until(next).await;
        }
    }
}

/// A request in flight; dropping it ends the request.
#[derive(Debug)]
pub struct InFlight(Tracker);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.0.in_flight.fetch_sub(1, Ordering::Relaxed);
        self.0.touch();
    }
}

/// A stream that records activity on its tracker.
#[derive(Debug)]
pub struct Tracked<IO> {
    io: IO,
    tracker: Tracker,
}

impl<IO: AsyncRead + Unpin> AsyncRead for Tracked<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.io).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.tracker.touch();
        }
        r
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Tracked<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        // Touched before the bytes go out, never after: a client that has read a
        // reply and sends on another connection must find this one the idler.
        // Touching after the write let a descheduled thread stamp this connection
        // later than the client's next request elsewhere, and the shedding then
        // closed the wrong one (tests/limits.rs, 1 run in ~15 on a loaded machine).
        if !buf.is_empty() {
            self.tracker.touch();
        }
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
