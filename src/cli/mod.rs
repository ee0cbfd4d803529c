//! Admin commands of the `opsd` binary that are big enough for a file of their own
//! (part of the binary, not the library).

pub mod hosted_mail;
pub mod registrar;

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
