//! opsd: an OpenSRS-compatible (OPS/XCP) API server.
//!
//! The request path reads one way, and lower layers never import higher ones:
//! `http` → `auth` → `ops` (bytes → value tree) → `api::Action` → `api::actions::*`
//! → `store` → `api::reply` → `ops` (value tree → bytes).
//!
//! Layout:
//! - [`ops`]: the OPS codec (value tree, lenient reader, exact writer); no I/O.
//! - [`http`]: the hyper server: accept loop, connection slots, HTTP/1.0 front, routes
//!   (OPS on any POST, pages, `/srv`, the Email API, metrics, the clock), shutdown.
//! - [`auth`]: X-Signature and IP allow-list checks, Argon2id with bounded memory, the
//!   login throttle.
//! - [`api`]: the typed `Action` enum, field cursor, error table, profile credentials,
//!   one file per action, and the caches of the request path.
//! - [`rules`]: the business rules (push consent and locks, registry and email-domain
//!   push refusals, billing cycles, approval registrants, tokens and mails, transfer
//!   locks and expiry, prices, transfers away), above the store.
//! - [`store`]: SQLite behind a narrow interface; migrations; the outbox, retention.
//! - [`domain`]: domain-name, host-name and TLD rules shared by actions.
//! - [`registry`]: the registry side of a transfer, behind a trait.
//! - [`sandbox`]: the simulated outside world (scenario file, magic names).
//! - [`whois`]: WHOIS sources (sandbox, port 43) and the 2013 RRA parser.
//! - [`net`]: the checks on outbound addresses (webhook URLs, public hosts).
//! - [`pages`]: server-rendered pages (approval page, reseller panel, mail console,
//!   operator dashboard) on one page layer with sessions and protected forms.
//! - [`jobs`]: the task runner, its lanes, the transfer lifecycle, bulk pushes, mail
//!   delivery, webhooks, the clock's advance, pruning.
//! - [`mail`]: mail delivery behind a trait (outbox only, SMTP).
//! - [`hosted_mail`]: the email-domain push and the OpenSRS Email JSON API.
//! - [`srv`]: the registry-style `POST /srv/push_domain`.
//! - [`dns`]: the DNS server answering for hosted zones (hickory-server).
//! - [`forward`]: the web server of domain forwarding (redirects, masked pages).
//! - [`metrics`]: the Prometheus counters.
//! - [`parity`]: the parity corpus of real OpenSRS replies, replayed and compared in
//!   shape.
//! - [`journal`]: the request journal's buffer and its masking of secrets.
//! - [`money`]: amounts as cents, read and written as OpenSRS writes them.
//! - [`ratelimit`]: the per-reseller request rate.
//! - [`record`]: the recording proxy in front of the real OpenSRS (`opsd record`).
//! - [`clock`]: the one source of time.
//! - [`config`]: every setting declared once; layers of defaults, file, environment
//!   and flags, validated.
//! - [`files`]: owner-only files and directories for what holds secrets.
//! - [`tls`]: the rustls acceptor and the sandbox CA of `opsd cert init`.
//! - [`app`]: the shared parts (store, clock, config, connectors) every request sees,
//!   and [`app::build`], the one way to make them.

pub mod api;
pub mod app;
pub mod auth;
pub mod clock;
pub mod codes;
pub mod config;
pub mod dns;
pub mod domain;
pub mod files;
pub mod forward;
pub mod hosted_mail;
pub mod http;
pub mod jobs;
pub mod journal;
pub mod mail;
pub mod metrics;
pub mod money;
pub mod net;
pub mod operator;
pub mod ops;
pub mod pages;
pub mod parity;
pub mod ratelimit;
pub mod record;
pub mod registry;
pub mod rules;
pub mod sandbox;
pub mod srv;
pub mod status;
pub mod store;
pub mod tls;
pub mod whois;

pub use app::{App, AppState};
pub use http::{serve, serve_api, serve_with_tls};
