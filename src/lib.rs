//! opsd: an OpenSRS-compatible (OPS/XCP) API server.
//!
//! The request path reads one way, and lower layers never import higher ones:
//! `http` → `auth` → `ops` (bytes → value tree) → `api::Action` → `api::actions::*`
//! → `store` → `api::reply` → `ops` (value tree → bytes).
//!
//! Layout:
//! - [`ops`]: the OPS codec (value tree, lenient reader, exact writer); no I/O.
//! - [`http`]: the hyper server: accept loop, HTTP/1.0 front, routes, shutdown.
//! - [`auth`]: X-Signature and IP allow-list checks, password hashing.
//! - [`api`]: the typed `Action` enum, field cursor, error table, one file per action.
//! - [`store`]: SQLite behind a narrow interface; migrations.
//! - [`domain`]: domain-name, host-name and TLD rules shared by actions.
//! - [`registry`]: the registry side of a transfer, behind a trait.
//! - [`sandbox`]: the simulated outside world (scenario file, magic names).
//! - [`whois`]: WHOIS sources (sandbox, port 43) and the 2013 RRA parser.
//! - [`pages`]: server-rendered pages (the registrant approval page) and their templates.
//! - [`jobs`]: the background task runner and the transfer lifecycle steps.
//! - [`mail`]: the outbox and mail delivery.
//! - [`clock`]: the one source of time.
//! - [`config`]: settings from defaults, environment and flags, validated.
//! - [`tls`]: the rustls acceptor and the sandbox CA of `opsd cert init`.
//! - [`app`]: the shared parts (store, clock, config) every request sees.

pub mod api;
pub mod app;
pub mod auth;
pub mod clock;
pub mod config;
pub mod domain;
pub mod hosted_mail;
pub mod http;
pub mod jobs;
pub mod mail;
pub mod metrics;
pub mod net;
pub mod ops;
pub mod pages;
pub mod ratelimit;
pub mod registry;
pub mod sandbox;
pub mod srv;
pub mod store;
pub mod tls;
pub mod whois;

pub use app::{App, AppState};
pub use http::{serve, serve_with_tls};
