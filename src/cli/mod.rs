//! Admin commands of the `opsd` binary that are big enough for a file of their own
//! (part of the binary, not the library).

pub mod hosted_mail;
pub mod registrar;
pub mod webhook;

use anyhow::{Context, bail};

/// A new password from the first line of standard input (typed, or piped by a
/// script), at least 8 characters.
pub fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.chars().count() < 8 {
        bail!("the password must have at least 8 characters");
    }
    Ok(password)
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
