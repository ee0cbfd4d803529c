//! `opsd cert init`: the sandbox CA and a server certificate, and how to trust them.

use std::path::{Path, PathBuf};

use clap::Subcommand;

use opsd::clock::{Clock, SystemClock};

#[derive(Debug, Subcommand)]
pub enum CertCmd {
    /// Make a local CA (kept if there is one) and a server certificate signed by it
    /// for localhost, 127.0.0.1, ::1 and any --name, and print how to trust the CA.
    Init {
        /// Where to write ca.pem, ca.key, server.pem, server.key [default:
        /// opsd-tls beside the database].
        #[arg(long)]
        dir: Option<PathBuf>,
        /// A further DNS name or address the certificate covers; repeat for more.
        #[arg(long = "name", value_name = "NAME")]
        names: Vec<String>,
    },
}

pub fn run(db: &Path, cmd: CertCmd) -> anyhow::Result<()> {
    match cmd {
        CertCmd::Init { dir, names } => {
            let dir = dir.unwrap_or_else(|| opsd::config::default_tls_dir(db));
            let issued = opsd::tls::cert_init(&dir, &names, SystemClock.now())?;
            print!("{}", cert_instructions(&issued));
            Ok(())
        }
    }
}

/// What `opsd cert init` prints: the files, and how each kind of client comes to
/// trust the CA (verification stays on).
pub fn cert_instructions(issued: &opsd::tls::Issued) -> String {
    let ca = issued.ca_cert.display();
    format!(
        "{state} CA certificate: {ca}\n\
         Server certificate for {names}: {cert} (key {key})\n\
         \n\
         `opsd serve` with the same --db now also serves HTTPS on 127.0.0.1:55443\n\
         (tls_listen, tls_cert and tls_key change that).\n\
         \n\
         Trust the CA, one of:\n\
         \x20 whole machine (Debian/Ubuntu): sudo cp {ca} /usr/local/share/ca-certificates/opsd-sandbox-ca.crt && sudo update-ca-certificates\n\
         \x20 PHP (the toolkit's ssl:// socket): php.ini openssl.cafile={ca}  (or php -d openssl.cafile={ca} …)\n\
         \x20 curl: curl --cacert {ca} https://localhost:55443/ …\n\
         \x20 Python, Node: SSL_CERT_FILE={ca} / NODE_EXTRA_CA_CERTS={ca}\n",
        state = if issued.new_ca { "New" } else { "Existing" },
        names = issued.names.join(", "),
        cert = issued.server_cert.display(),
        key = issued.server_key.display(),
    )
}
