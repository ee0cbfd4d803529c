//! `opsd webhook …`: a reseller's webhook URL and secret, and the delivery log.

use std::path::Path;

use anyhow::{Context, bail};
use clap::Subcommand;

use opsd::store::{Store, Webhook};

#[derive(Debug, Subcommand)]
pub enum WebhookCmd {
    /// Send RESELLER's events to URL (http or https), signed with a secret that is
    /// printed (a new random one unless --secret is given).
    Set {
        reseller: String,
        #[arg(long)]
        url: String,
        #[arg(long)]
        secret: Option<String>,
    },
    /// Stop sending RESELLER's events; queued deliveries end unsent.
    Remove { reseller: String },
    /// The latest delivery attempts, newest first (all resellers', or one's).
    Log {
        reseller: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
}

pub fn run(db: &Path, cmd: WebhookCmd, now: i64) -> anyhow::Result<()> {
    let store = Store::open(db).with_context(|| {
        format!(
            "opening database {}",
            opsd::store::describe_db(&db.to_string_lossy())
        )
    })?;
    let id_of = |name: &str| super::reseller_id(&store, name);
    match cmd {
        WebhookCmd::Set {
            reseller,
            url,
            secret,
        } => {
            opsd::net::check_url(&url).map_err(anyhow::Error::msg)?;
            let secret = secret.unwrap_or_else(|| opsd::auth::random_hex(32));
            let id = id_of(&reseller)?;
            store.set_webhook(
                id,
                &Webhook {
                    url: url.clone(),
                    secret: secret.clone(),
                },
                now,
            )?;
            println!("events of {reseller} now go to {url}\nsecret: {secret}");
        }
        WebhookCmd::Remove { reseller } => {
            if !store.remove_webhook(id_of(&reseller)?)? {
                bail!(
                    "{reseller} has no webhook (set one with `opsd webhook set {reseller} --url URL`)"
                );
            }
            println!("webhook of {reseller} removed");
        }
        WebhookCmd::Log { reseller, limit } => {
            let id = reseller.as_deref().map(id_of).transpose()?;
            for a in store.webhook_log(id, limit)? {
                println!(
                    "{at}  {outcome:<9} try {n}  {status}  {event} {id}  {url}{err}",
                    at = opsd::clock::iso8601(a.at),
                    outcome = a.outcome,
                    n = a.attempt,
                    status = a.http_status.map_or("---".into(), |s| s.to_string()),
                    event = a.event,
                    id = a.event_id,
                    url = a.url,
                    err = a.error.map(|e| format!("  ({e})")).unwrap_or_default(),
                );
            }
        }
    }
    Ok(())
}
