//! A first run that just works: a sandbox database with no reseller gets two, a
//! reseller to call the API as and a second one that accepts its pushes, so that
//! the first request needs no setup at all. Their keys derive from the database's
//! secret admin token (unguessable, and the same again after a reset).

use crate::store::{Store, StoreError};

/// The resellers a first run made.
#[derive(Clone, PartialEq, Eq)]
pub struct FirstRun {
    pub user: String,
    pub key: String,
    pub other: String,
    pub other_key: String,
}

// The keys are printed once, to the operator's terminal, never to a log.
impl std::fmt::Debug for FirstRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FirstRun")
            .field("user", &self.user)
            .field("other", &self.other)
            .finish_non_exhaustive()
    }
}

/// The first run's reseller names.
pub const USER: &str = "sandbox";
pub const OTHER: &str = "sandbox-other";

/// Makes the two resellers when the database has none; `None` when it has some.
pub fn ensure(store: &Store, now: i64) -> Result<Option<FirstRun>, StoreError> {
    if !store.resellers_overview()?.is_empty() {
        return Ok(None);
    }
    let secret = store
        .setting(crate::store::ADMIN_TOKEN)?
        .unwrap_or_else(|| crate::auth::random_hex(16));
    let key_of =
        |name: &str| crate::auth::token_hash(&format!("{secret}:{name}"))[..32].to_string();
    let key = key_of(USER);
    let other_key = key_of(OTHER);
    let me = store.add_reseller(USER, &key, &[], now)?;
    let other = store.add_reseller(OTHER, &other_key, &[], now)?;
    store.set_push_enabled(me, true)?;
    store.set_push_enabled(other, true)?;
    store.set_push_allowed(other, me, true, now)?;
    Ok(Some(FirstRun {
        user: USER.into(),
        key,
        other: OTHER.into(),
        other_key,
    }))
}

/// What `opsd serve` prints after a first run: the resellers, where the server
/// listens, and the first commands to try (a signed LOOKUP with curl, the outbox,
/// the clock).
pub fn welcome(f: &FirstRun, listen: &str, db: &str) -> String {
    format!(
        "\nA new sandbox: two resellers are ready.\n\n  \
         reseller {user:<14} key {key}\n  \
         reseller {other:<14} key {other_key}   (accepts pushes from {user})\n\n\
         The OPS API answers at http://{listen}/ (X-Username and X-Signature as OpenSRS\n\
         documents). Try a LOOKUP:\n\n  \
         body='<?xml version=\"1.0\"?><OPS_envelope><header><version>0.9</version></header><body><data_block><dt_assoc><item key=\"protocol\">XCP</item><item key=\"action\">LOOKUP</item><item key=\"object\">DOMAIN</item><item key=\"attributes\"><dt_assoc><item key=\"domain\">example-shop.com</item></dt_assoc></item></dt_assoc></data_block></body></OPS_envelope>'\n  \
         sig=$(printf %s \"${{body}}{key}\" | md5sum | cut -c1-32); sig=$(printf %s \"${{sig}}{key}\" | md5sum | cut -c1-32)\n  \
         curl -s http://{listen}/ -H 'Content-Type: text/xml' -H 'X-Username: {user}' -H \"X-Signature: $sig\" --data-binary \"$body\"\n\n\
         Then: opsd --db {db} sandbox outbox      (the mails a transfer sends)\n      \
         opsd --db {db} clock advance 5d  (the registry completes)\n      \
         opsd --db {db} sandbox reset     (back to this empty sandbox)\n      \
         opsd --help\n",
        user = f.user,
        key = f.key,
        other = f.other,
        other_key = f.other_key,
    )
}
