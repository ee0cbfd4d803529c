//! Connection slots: how many client connections are served at once, in all and per
//! client address, and which connection gives way when all are taken.
//!
//! Every accepted connection is admitted here first (a connection is accepted at
//! once, never left in the kernel's queue for want of a slot). An address with
//! [`Slots::per_address`] connections open gets no more. When every slot is taken,
//! the connection idle the longest (nothing in flight: a keep-alive socket between
//! requests, a client that has sent nothing yet, a TLS handshake that stalls) is
//! told to close, and the new one takes its place. When none is idle, the request
//! that has been in flight the longest gives way, if it has run for more than
//! [`BUSY_FOR`] (a body that trickles in); only when every request is younger is the
//! new connection refused. So sockets held open by one client, however many
//! addresses it has, cannot lock out a client that has something to send.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

use std::time::Duration;

use tokio::sync::Notify;

use super::activity::Tracker;

/// A request in flight this long may be cut to make room when every slot is taken:
/// real requests are answered in milliseconds; one that takes longer is a slow body.
pub const BUSY_FOR: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub struct Slots {
    max: usize,
    per_address: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    next_id: u64,
    per_address: HashMap<IpAddr, usize>,
    open: HashMap<u64, Open>,
}

#[derive(Debug)]
struct Open {
    address: IpAddr,
    tracker: Tracker,
    shed: Arc<Notify>,
}

/// A connection's slot, given back when dropped.
#[derive(Debug)]
pub struct Slot {
    slots: Arc<Slots>,
    id: u64,
    pub tracker: Tracker,
    /// Notified when this connection must close to make room.
    pub shed: Arc<Notify>,
}

impl Slots {
    pub fn new(max: usize, per_address: usize) -> Arc<Slots> {
        Arc::new(Slots {
            max: max.max(1),
            per_address: per_address.max(1),
            inner: Mutex::new(Inner::default()),
        })
    }

    /// A slot for a connection from `address`, or `None` when it must be closed.
    pub fn admit(self: &Arc<Self>, address: IpAddr) -> Option<Slot> {
        let address = canonical(address);
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let held = inner.per_address.get(&address).copied().unwrap_or(0);
        if held >= self.per_address {
            // The address is at its limit: its own idlest connection gives way, so a
            // client that left keep-alive sockets open can still send a request;
            // only when all of them are busy is the new one refused.
            let idlest_own = inner
                .open
                .iter()
                .filter(|(_, o)| o.address == address && o.tracker.in_flight() == 0)
                .min_by_key(|(id, o)| (o.tracker.last_activity(), **id))
                .map(|(id, _)| *id);
            let Some(id) = idlest_own else {
                tracing::debug!(%address, held, "connection refused: too many busy from this address");
                return None;
            };
            if let Some(o) = inner.open.remove(&id) {
                release(&mut inner.per_address, o.address);
                o.shed.notify_one();
                tracing::debug!(%address, "this address's idlest connection closed to make room");
            }
        } else if inner.open.len() >= self.max {
            // Make room: the connection idle the longest closes.
            let idlest = inner
                .open
                .iter()
                .filter(|(_, o)| o.tracker.in_flight() == 0)
                .min_by_key(|(id, o)| (o.tracker.last_activity(), **id))
                .map(|(id, _)| *id);
            let slowest = || {
                inner
                    .open
                    .iter()
                    .filter(|(_, o)| {
                        o.tracker.in_flight() > 0
                            && o.tracker.request_started().elapsed() >= BUSY_FOR
                    })
                    .min_by_key(|(_, o)| o.tracker.request_started())
                    .map(|(id, _)| *id)
            };
            let Some(id) = idlest.or_else(slowest) else {
                tracing::debug!(%address, "connection refused: every slot is busy");
                return None;
            };
            if let Some(o) = inner.open.remove(&id) {
                release(&mut inner.per_address, o.address);
                o.shed.notify_one();
                tracing::debug!(shed = %o.address, "idle connection closed to make room");
            }
        }
        inner.next_id += 1;
        let id = inner.next_id;
        let tracker = Tracker::new();
        let shed = Arc::new(Notify::new());
        *inner.per_address.entry(address).or_insert(0) += 1;
        inner.open.insert(
            id,
            Open {
                address,
                tracker: tracker.clone(),
                shed: shed.clone(),
            },
        );
        Some(Slot {
            slots: self.clone(),
            id,
            tracker,
            shed,
        })
    }

    /// Connections holding a slot now.
    #[cfg(test)]
    pub fn open(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .open
            .len()
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut inner = self
            .slots
            .inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // A shed connection already gave its slot to the one that replaced it.
        if let Some(o) = inner.open.remove(&self.id) {
            release(&mut inner.per_address, o.address);
        }
    }
}

fn release(per_address: &mut HashMap<IpAddr, usize>, address: IpAddr) {
    if let Some(n) = per_address.get_mut(&address) {
        *n -= 1;
        if *n == 0 {
            per_address.remove(&address);
        }
    }
}

/// IPv4-mapped IPv6 peers count as their IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([127, 0, 0, last])
    }

    #[tokio::test]
    async fn per_address_limit_and_idle_connections_give_way() {
        let slots = Slots::new(3, 2);
        let a1 = slots.admit(ip(2));
        let a2 = slots.admit(ip(2));
        assert!(a1.is_some() && a2.is_some());
        let _a1_busy = a1.as_ref().map(|s| s.tracker.request());
        let _a2_busy = a2.as_ref().map(|s| s.tracker.request());
        assert!(
            slots.admit(ip(2)).is_none(),
            "a third from one busy address"
        );
        drop(_a1_busy);
        drop(_a2_busy);
        let busy = slots.admit(ip(3));
        let _working = busy.as_ref().map(|s| s.tracker.request());
        // Full: the idlest (a1) gives way to a newcomer.
        let newcomer = slots.admit(ip(4));
        assert!(newcomer.is_some());
        assert_eq!(slots.open(), 3);
        let a1 = a1.unwrap_or_else(|| panic!("slot"));
        tokio::time::timeout(std::time::Duration::from_secs(1), a1.shed.notified())
            .await
            .unwrap_or_else(|_| panic!("the idle connection was not told to close"));
        drop(a1);
        assert_eq!(slots.open(), 3, "its slot went to the newcomer");
        drop(a2);
        // Full again with two busy ones and a newcomer that is idle.
        let _more = slots.admit(ip(5));
        assert_eq!(slots.open(), 3);
    }

    /// Issue 26.10: an address at its limit with idle connections gets a new one
    /// in place of its idlest, not a reset.
    #[tokio::test]
    async fn an_address_at_its_limit_replaces_its_idlest() {
        let slots = Slots::new(10, 2);
        let old = slots.admit(ip(7)).unwrap_or_else(|| panic!("slot"));
        let newer = slots.admit(ip(7));
        let _newer_busy = newer.as_ref().map(|s| s.tracker.request());
        let third = slots.admit(ip(7));
        assert!(third.is_some(), "the idle one gave way");
        tokio::time::timeout(std::time::Duration::from_secs(1), old.shed.notified())
            .await
            .unwrap_or_else(|_| panic!("the idlest of the address was not told to close"));
        drop(old);
        assert_eq!(slots.open(), 2);
    }
}
