//! What the DNS and forwarding servers serve, read from the store and kept in
//! memory: read again when its service's change counter moves (at once when
//! this instance made the change and says so, within [`super::POLL`] when
//! another did), and every [`super::FULL_RELOAD`] whatever the counter says — a
//! domain that left its reseller changes no zone or forward.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::Instant;

use crate::app::App;
use crate::store::{Hosted, StoreError};

/// One service's data, as last read.
pub struct Served<T> {
    what: Hosted,
    load: fn(&App) -> Result<T, StoreError>,
    current: RwLock<Arc<T>>,
    /// The change counter when the data was read, and when.
    seen: RwLock<Option<(i64, Instant)>>,
}

impl<T> std::fmt::Debug for Served<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Served")
            .field("what", &self.what)
            .finish_non_exhaustive()
    }
}

impl<T: Default + Send + Sync + 'static> Served<T> {
    /// `what`'s data, read by `load`; nothing until the first [`Served::refresh`].
    pub fn new(what: Hosted, load: fn(&App) -> Result<T, StoreError>) -> Arc<Served<T>> {
        Arc::new(Served {
            what,
            load,
            current: RwLock::new(Arc::new(T::default())),
            seen: RwLock::new(None),
        })
    }

    /// The data as it stands.
    pub fn get(&self) -> Arc<T> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Reads the data again if it changed, or was read too long ago.
    pub fn refresh(&self, app: &App) -> Result<(), StoreError> {
        let version = app.store.hosted_version(self.what)?;
        let seen = *self.seen.read().unwrap_or_else(PoisonError::into_inner);
        if let Some((v, at)) = seen
            && v == version
            && at.elapsed() < super::FULL_RELOAD
        {
            return Ok(());
        }
        let data = (self.load)(app)?;
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(data);
        *self.seen.write().unwrap_or_else(PoisonError::into_inner) =
            Some((version, Instant::now()));
        Ok(())
    }

    /// Reads the data now, then keeps it fresh until the returned task is
    /// aborted: woken by this instance's own changes, else every
    /// [`super::POLL`], backing off while the store fails.
    pub fn watch(self: &Arc<Self>, app: Arc<App>) -> tokio::task::JoinHandle<()> {
        if let Err(e) = self.refresh(&app) {
            tracing::error!(what = ?self.what, error = %e, "cannot read what is served; serving none until the store answers");
        }
        let served = self.clone();
        tokio::spawn(async move {
            let mut backoff = crate::jobs::Backoff::new(match served.what {
                Hosted::Zone => "dns zones",
                Hosted::Forwarding => "forwards",
            });
            let mut wait = super::POLL;
            loop {
                let changed = match served.what {
                    Hosted::Zone => &app.zones_changed,
                    Hosted::Forwarding => &app.forwards_changed,
                };
                tokio::select! {
                    () = changed.notified() => {}
                    () = tokio::time::sleep(wait) => {}
                }
                let (a, s) = (app.clone(), served.clone());
                wait = match tokio::task::spawn_blocking(move || s.refresh(&a)).await {
                    Ok(Ok(())) => {
                        backoff.succeeded();
                        super::POLL
                    }
                    Ok(Err(e)) => backoff.failed(&e),
                    Err(e) => backoff.failed(&e),
                };
            }
        })
    }
}
