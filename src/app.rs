//! The server's shared parts: store, clock and configuration, built once at start and
//! handed to every request.

use std::sync::Arc;

use crate::clock::SharedClock;
use crate::config::Config;
use crate::store::Store;

#[derive(Debug)]
pub struct App {
    pub store: Store,
    pub clock: SharedClock,
    pub config: Config,
}

/// Cheap to clone: one per connection.
pub type AppState = Arc<App>;
