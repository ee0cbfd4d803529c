//! The one integration-test binary. Every test starts the real server on a loopback
//! port and talks to it over real sockets with real request bytes.

mod common;

/// Accounts: USERINFO, profile passwords and ownership, sub-users, sub-resellers.
mod accounts;
/// X-Signature, unknown users, IP Access Rules.
mod auth;
/// GET_BALANCE: captured request, objects, scenario and CLI balances.
mod balance;
/// The `opsd` binary itself: CLI, environment, SIGTERM.
mod binary;
/// Pages in a real headless Chromium.
mod browser;
/// Issue 30: bulk changes of every other type (Net::OpenSRS's domain_lock).
mod bulk_changes;
/// Bulk change push_domains: queue, locks, profiles, report, cancel, resume.
mod bulk_push;
/// CHECK_TRANSFER: captured request, the sandbox's answers, a transfer's status.
mod check_transfer;
/// Requests captured from the PHP toolkit and the Python client, and the seed envelopes.
mod clients;
/// Issue 17's proofs on PostgreSQL: kill -9s among three instances, 64 clients.
mod cluster;
/// The operator dashboard: login, views across resellers, protected POSTs.
mod dashboard;
/// The DNS server, asked by a real DNS client (issue 31).
mod dns_serve;
/// DNS zones and domain forwarding over OPS (issue 31).
mod dns_zones;
/// The documentation holds to the tree: links, named paths, the Layout.
mod docs;
/// Issue 30: REVOKE, REDEEM, deleted domains, notes, BELONGS_TO_RSP, cookie update.
mod domain_end;
/// Issue 30: UPDATE_ALL_INFO and more of the domain API.
mod domain_more;
/// Replies validated against ops.dtd.
mod dtd;
/// kill -9 during background work, then restart.
mod durability;
/// The Email API's roles, bulletins, settings and their inheritance, deleted domains, brands.
mod email_admin;
/// The Email API on a user's mail, migration jobs, stats and download links.
mod email_mailstore;
/// Email-domain push through the OpenSRS Email JSON API (seed 001).
mod email_push;
/// The Email API's domains, users and workgroups; OpenSRS's WHMCS Hosted Email module.
mod email_users;
/// POLL/ACK events and webhooks.
mod events;
/// Issue 15's attack review: each attack performed and shown harmless.
mod hardening;
/// Issue 26's second attack review: the sandbox tools turned against opsd.
mod hardening2;
/// Several instances on one database: shared work, clock and caches; kill -9 of one.
mod instances;
/// One reseller never reads or changes another's objects.
mod isolation;
/// The request journal: masked requests and replies, explanations, per reseller.
mod journal;
/// The transfer-in lifecycle: analysis, emails, approval page, registry, timeout.
mod lifecycle;
/// Malformed, huge and deep bodies; mutated envelopes.
mod limits;
/// The Mail Administration Console: settings, Push Domain, brand state.
mod mac;
/// Approval emails over SMTP to a real SMTP server.
mod mail;
/// The reseller control panel: login, CSRF, push settings, move, queue, cancel.
mod panel;
/// Real OpenSRS replies replayed and compared in shape (fixtures/parity/).
mod parity;
/// Issue 30: PROCESS_PENDING, CANCEL_PENDING_ORDERS, CANCEL_ACTIVE_PROCESS.
mod pending_orders;
/// The portfolio calls: LOOKUP, GET, MODIFY, RENEW, nameservers, contacts, cookies.
mod portfolio;
/// Transport: HTTP/1.0 and 1.1, status line, headers, close rules, routes, shutdown.
mod protocol;
/// Real client addresses behind a balancer: PROXY protocol and X-Forwarded-For.
mod proxy;
/// RSP2RSP_PUSH_TRANSFER: consent, refusals, locks, profiles, audit.
mod push;
/// The recording proxy in front of a real OpenSRS; parity compare and import.
mod record;
/// kill -9 during 10k submits and background work; 64 concurrent clients.
mod robustness;
/// The sandbox tools: the other side of transfers, reset, snapshots, outbox JSON.
mod sandbox_tools;
mod schema;
/// SIMPLE_TRANSFER: each immediate-failure rule, storage, the 10,000-domain job.
mod simple_transfer;
/// POST /srv/push_domain (seed 002): passwords, rules, texts, test database, CLI.
mod srv_push;
/// SIMPLE_TRANSFER_STATUS: layout, privacy between resellers, bad ids.
mod status;
mod structure;
/// SW_REGISTER reg_type=transfer: the order, its lifecycle, its money.
mod sw_register;
/// HTTPS with the sandbox CA, checked by PHP and curl.
mod tls;
/// CANCEL_TRANSFER, SEND_PASSWORD, PROCESS_TRANSFER, GET_TRANSFERS_IN.
mod transfer_verbs;
/// Transfers away: started by another registrar, approved, declined or timed out.
mod transfers_away;
