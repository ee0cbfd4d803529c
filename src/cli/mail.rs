//! `opsd mail list`: the outbox, every email opsd has sent.

use std::path::Path;

use clap::Subcommand;

use super::open;

#[derive(Debug, Subcommand)]
pub enum MailCmd {
    /// Print the outbox: to, subject, body (with its links).
    List {
        #[arg(long)]
        json: bool,
    },
}

pub fn run(db: &Path, cmd: &MailCmd) -> anyhow::Result<()> {
    match cmd {
        &MailCmd::List { json } => {
            let store = open(db)?;
            let mails = store.outbox()?;
            if json {
                let list: Vec<serde_json::Value> = mails
                    .iter()
                    .map(|(id, m, sent)| {
                        serde_json::json!({"id": id, "to": m.to, "subject": m.subject, "body": m.body, "sent_at": sent})
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for (id, m, sent) in &mails {
                    let state = if sent.is_some() { "sent" } else { "queued" };
                    println!(
                        "#{id} [{state}] To: {}\nSubject: {}\n\n{}\n",
                        m.to, m.subject, m.body
                    );
                }
                if mails.is_empty() {
                    println!("(outbox is empty)");
                }
            }
            Ok(())
        }
    }
}
