//! The server's shared parts, built once at start and handed to every request and to
//! the background workers: store, clock, configuration, and the connectors to the
//! outside world (registry, WHOIS, mail), which the sandbox world provides by default.

use std::sync::{Arc, Mutex, OnceLock};

use crate::clock::SharedClock;
use crate::config::Config;
use crate::mail::{Mailer, OutboxOnly};
use crate::registry::Registry;
use crate::sandbox::{Scenario, World};
use crate::store::Store;
use crate::whois::Whois;

#[derive(Debug)]
pub struct App {
    pub store: Store,
    pub clock: SharedClock,
    pub config: Config,
    pub registry: Arc<dyn Registry>,
    pub whois: Arc<dyn Whois>,
    pub mailer: Arc<dyn Mailer>,
    /// Wakes the background workers when new work is queued.
    pub work: tokio::sync::Notify,
    /// Woken when this instance changes a DNS zone, so that its DNS server reads
    /// the zones again at once (other instances notice within `dns::POLL`).
    pub zones_changed: tokio::sync::Notify,
    /// Woken when this instance changes a domain's forwarding (the forwarding web
    /// server reads the forwards again at once).
    pub forwards_changed: tokio::sync::Notify,
    /// One task runner at a time, so tasks run in due order.
    pub(crate) runner: Mutex<()>,
    /// Tasks being run right now by a lane (see `jobs::lanes`) or by `run_due`: each
    /// is claimed here first, so that no task runs twice at once.
    pub(crate) claimed: Mutex<std::collections::HashSet<i64>>,
    /// When [`App::time`] last read the shared clock offset.
    clock_synced: Mutex<Option<std::time::Instant>>,
    /// The test database of `test=1` registry calls, opened on first use.
    test_store: OnceLock<Store>,
    /// Requests per second per reseller (OPS API).
    pub rate: crate::ratelimit::RateLimiter,
    /// Failed password checks per account and per client address.
    pub logins: crate::auth::LoginThrottle,
    pub metrics: crate::metrics::Metrics,
    /// Whether fault rules exist (see `sandbox::faults`): none means no lookups.
    pub faults_on: std::sync::atomic::AtomicBool,
    /// Requests and replies waiting to be written to the journal.
    pub journal: crate::journal::Journal,
    /// The sandbox world (also `registry` and `whois`), and the scenario it was
    /// made from: what a reset returns to.
    pub world: Option<World>,
    pub scenario: Mutex<Scenario>,
}

/// Why an app could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Mail(#[from] crate::mail::MailError),
    #[error("scenario: {0}")]
    Scenario(String),
}

/// The one way `opsd serve`, the tests and the benches make the app: the mailer the
/// configuration names; the configured prices written to the price list; in the sandbox the scenario's resellers and profiles seeded
/// into the store and its world as registry and WHOIS; in production a world without
/// magic names; real WHOIS servers when `whois = "port43"`.
pub fn build(
    store: Store,
    clock: SharedClock,
    config: Config,
    scenario: &Scenario,
) -> Result<App, BuildError> {
    let mailer = crate::mail::from_config(config.smtp_url.as_deref(), &config.mail_from)?;
    for (tld, kind, cents) in &config.price {
        store.set_price(tld, kind, Some(*cents))?;
    }
    let world = if config.production {
        World::production(clock.clone())
    } else {
        crate::sandbox::seed_store(&store, scenario, clock.now().unix_timestamp())?;
        World::new(scenario, clock.clone())
    };
    let port43 = config.whois_port43;
    let mut app = App::new(store, clock, config)
        .with_world(world)
        .with_mailer(mailer);
    *app.scenario
        .get_mut()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = scenario.clone();
    if port43 {
        app.whois = Arc::new(crate::whois::Port43::default());
    }
    if !app.config.production {
        app.faults().seed(scenario).map_err(BuildError::Scenario)?;
        app.faults().refresh()?;
    }
    Ok(app)
}

impl App {
    /// The app's parts with the world of an empty scenario (magic names only) and a
    /// mailer that keeps mail in the outbox; [`build`] makes a configured one.
    pub fn new(store: Store, clock: SharedClock, config: Config) -> App {
        let world = Arc::new(World::new(&Scenario::default(), clock.clone()));
        let rate = crate::ratelimit::RateLimiter::new(config.rate_limit);
        let logins = crate::auth::LoginThrottle::new(config.login_policy);
        App {
            store,
            clock,
            config,
            registry: world.clone(),
            whois: world,
            mailer: Arc::new(OutboxOnly),
            work: tokio::sync::Notify::new(),
            zones_changed: tokio::sync::Notify::new(),
            forwards_changed: tokio::sync::Notify::new(),
            runner: Mutex::new(()),
            claimed: Mutex::new(std::collections::HashSet::new()),
            clock_synced: Mutex::new(None),
            test_store: OnceLock::new(),
            rate,
            logins,
            metrics: crate::metrics::Metrics::new(),
            journal: crate::journal::Journal::default(),
            faults_on: std::sync::atomic::AtomicBool::new(false),
            world: None,
            scenario: Mutex::new(Scenario::default()),
        }
    }

    /// The separate test database (`test=1` of `/srv/push_domain`).
    pub fn test_store(&self) -> Result<&Store, crate::store::StoreError> {
        if let Some(s) = self.test_store.get() {
            return Ok(s);
        }
        let opened = Store::open(&crate::config::test_db_path(&self.config.db))?;
        // Two first calls at once: one store wins, the other is dropped.
        let _ = self.test_store.set(opened);
        self.test_store
            .get()
            .ok_or(crate::store::StoreError::NotFound)
    }

    /// Uses `world` as registry and WHOIS source.
    pub fn with_world(mut self, world: World) -> App {
        self.world = Some(world.clone());
        let world = Arc::new(world);
        self.registry = world.clone();
        self.whois = world;
        self
    }

    pub fn with_mailer(mut self, mailer: Arc<dyn Mailer>) -> App {
        self.mailer = mailer;
        self
    }

    /// Wakes the server of `what` (DNS or forwarding) after this instance
    /// changed it, so that it reads its data again at once.
    pub fn hosted_changed(&self, what: crate::store::Hosted) {
        match what {
            crate::store::Hosted::Zone => self.zones_changed.notify_one(),
            crate::store::Hosted::Forwarding => self.forwards_changed.notify_one(),
        }
    }

    /// The clock's now, in Unix seconds (see [`App::time`]).
    pub fn now(&self) -> i64 {
        self.time().unix_timestamp()
    }

    /// The fault rules as this instance sees them, now.
    pub fn faults(&self) -> crate::sandbox::faults::Faults<'_> {
        crate::sandbox::faults::Faults {
            store: &self.store,
            on: &self.faults_on,
            world: self.world.as_ref(),
            now: self.now(),
        }
    }

    /// The clock's now. A sandbox clock first catches up with the offset saved in
    /// the database, so that every instance on it tells the same time after any of
    /// them moved the clock; the read is made at most every [`CLOCK_SYNC`].
    pub fn time(&self) -> time::OffsetDateTime {
        if self.clock.offset().is_some() {
            let due = {
                let mut last = self
                    .clock_synced
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let due = last.is_none_or(|t| t.elapsed() >= CLOCK_SYNC);
                if due {
                    *last = Some(std::time::Instant::now());
                }
                due
            };
            if due {
                match self.store.setting(crate::clock::CLOCK_OFFSET) {
                    Ok(Some(v)) => {
                        if let Ok(offset) = v.trim().parse::<i64>() {
                            self.clock.follow(offset);
                        }
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, "could not read the shared clock"),
                }
            }
        }
        self.clock.now()
    }

    /// Claims `ids` for whoever runs them now, all or none: false when one of them
    /// is already claimed (then nothing is). A claim is two: in this process (the
    /// runner and the lanes), and a lease in the database for [`LEASE`] seconds of
    /// the clock, which keeps other instances on the same database off them. A
    /// store that cannot lease is an error for the caller's backoff, never a
    /// "taken" to retry at once.
    pub(crate) fn try_claim(&self, ids: &[i64]) -> Result<bool, crate::store::StoreError> {
        {
            let mut claimed = self
                .claimed
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if ids.iter().any(|id| claimed.contains(id)) {
                return Ok(false);
            }
            claimed.extend(ids.iter().copied());
        }
        let now = self.now();
        let leased = self.store.lease(ids, now, now + LEASE);
        if !matches!(leased, Ok(true)) {
            self.release(ids);
        }
        leased
    }

    /// Gives claimed tasks back.
    pub(crate) fn release(&self, ids: &[i64]) {
        let mut claimed = self
            .claimed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for id in ids {
            claimed.remove(id);
        }
    }

    /// The ids of the tasks being run now, outside the runner's lock.
    pub(crate) fn claims(&self) -> std::collections::HashSet<i64> {
        self.claimed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// How often an instance reads the sandbox clock's offset from the database: how
/// long, at most, it trails another instance's `opsd clock advance`.
pub const CLOCK_SYNC: std::time::Duration = std::time::Duration::from_millis(20);

/// How long a task lease lasts, in seconds of the app's clock; the workers renew
/// the leases they hold well before (see `jobs::worker`).
pub const LEASE: i64 = 60;

pub use crate::store::ADMIN_TOKEN;

impl App {
    /// The admin token, made now if the database has none yet.
    pub fn ensure_admin_token(&self) -> Result<String, crate::store::StoreError> {
        if let Some(t) = self.store.setting(ADMIN_TOKEN)? {
            return Ok(t);
        }
        let t = crate::auth::random_hex(16);
        self.store.set_setting(ADMIN_TOKEN, &t)?;
        Ok(t)
    }
}

/// Cheap to clone: one per connection.
pub type AppState = Arc<App>;
