//! The business rules, above the store and below every surface (OPS actions, pages,
//! `/srv`, the Email API, the workers): each decides from what the store reads, and
//! hands the store a complete description of what to write. A second storage
//! backend implements the store's reads and writes and inherits every rule.
//!
//! - [`push`]: reseller pushes (consent, lock policy, bulk item outcomes).
//! - [`registry_push`]: which registry-style pushes the registry takes.
//! - [`mail_push`]: email-domain pushes between companies, billing cycles, notices.
//! - [`away`]: transfers away: whom they ask, with which tokens and email.
//! - [`approval`]: who is asked to approve a transfer, with which tokens and email.
//! - [`transfer`]: whether the registry lets a domain move (locks, 60 days).
//! - [`lifecycle`]: where a transfer's domains move at each step, and why.
//! - [`events`]: every event resellers poll or receive by webhook.
//! - [`contact_set`]: a domain's stored contact set, merged and read.
//! - [`bulk_change`]: bulk changes other than pushes, item by item.
//! - [`domain_change`]: changes to portfolio domains, each with its event.
//! - [`price`]: what an order costs.
//! - [`availability`]: whether a name can be registered.
//! - [`renewal`]: whether and to when a domain renews.
//! - [`tld`]: per-TLD data and settings, and the values they allow.
//! - [`ca`]: the .ca names a registered variant blocks.
//! - [`claims`]: trademark claims notices an order waits on.
//! - [`dns`]: a hosted DNS zone's records and what each may be.
//! - [`forwarding`]: a domain's forwarded names and what each may be.
//! - [`nameservers`]: which hosts a domain may delegate to.
//! - [`orders`]: how an order's type and status are named.
//! - [`password_reset`]: profile password reset links and what a password must be.

pub mod accounts;
pub mod approval;
pub mod availability;
pub mod away;
pub mod bulk_change;
pub mod bulk_hosted;
pub mod bulletins;
pub mod ca;
pub mod claims;
pub mod contact_set;
pub mod deletion;
pub mod dns;
pub mod dnssec;
pub mod domain_change;
pub mod events;
pub mod forwarding;
pub mod lifecycle;
pub mod mail_attributes;
pub mod mail_folders;
pub mod mail_push;
pub mod mail_roles;
pub mod mail_users;
pub mod nameservers;
pub mod notes;
pub mod orders;
pub mod password_reset;
pub mod price;
pub mod push;
pub mod registry_push;
pub mod renewal;
pub mod tld;
pub mod transfer;
pub mod verification;
