//! Connection activity for the idle timeout: the time of the last byte read or
//! written, and how many requests are in flight. The stream wrapper records the
//! bytes; the service marks requests.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;

#[derive(Debug)]
struct Shared {
    start: Instant,
    /// Milliseconds since `start` of the last byte either way.
    last: AtomicU64,
    /// Milliseconds since `start` when the oldest request in flight began.
    request_since: AtomicU64,
    in_flight: AtomicUsize,
}

/// Shared by a connection's stream, its service and its idle watch.
#[derive(Debug, Clone)]
pub struct Tracker(Arc<Shared>);

impl Tracker {
    pub fn new() -> Tracker {
        Tracker(Arc::new(Shared {
            start: Instant::now(),
            last: AtomicU64::new(0),
            request_since: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
        }))
    }

    /// Microseconds since the tracker was made: fine enough that two connections'
    /// activities a moment apart keep their order when compared (milliseconds
    /// truncated on trackers made at different times did not).
    fn now_micros(&self) -> u64 {
        u64::try_from(self.0.start.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    fn touch(&self) {
        self.0.last.store(self.now_micros(), Ordering::Relaxed);
    }

    /// Requests in flight now.
    pub fn in_flight(&self) -> usize {
        self.0.in_flight.load(Ordering::Relaxed)
    }

    /// When the last byte moved, as microseconds since the tracker was made (plus the
    /// start itself, so that trackers of different ages compare).
    pub fn last_activity(&self) -> Instant {
        self.0.start + Duration::from_micros(self.0.last.load(Ordering::Relaxed))
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
                .store(self.now_micros(), Ordering::Relaxed);
        }
        InFlight(self.clone())
    }

    /// When the request in flight began (meaningful while [`Tracker::in_flight`] is
    /// not zero).
    pub fn request_started(&self) -> Instant {
        self.0.start + Duration::from_micros(self.0.request_since.load(Ordering::Relaxed))
    }

    /// Completes once no request is in flight and no byte has moved for `idle`.
    pub async fn idle_for(&self, idle: Duration) {
        loop {
            let last = self.0.start + Duration::from_micros(self.0.last.load(Ordering::Relaxed));
            let due = last + idle;
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
        let r = Pin::new(&mut self.io).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.tracker.touch();
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
