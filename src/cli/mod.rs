//! Admin commands of the `opsd` binary that are big enough for a file of their own
//! (part of the binary, not the library).

pub mod hosted_mail;
pub mod registrar;
