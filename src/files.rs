//! Files that hold secrets — the database and its WAL, snapshots, journal exports,
//! TLS private keys — are made readable by their owner alone, whatever the umask,
//! and the directories opsd makes for them likewise.
//!
//! The mode is given when the file is created (so there is no moment when it is
//! readable by others) and set again afterwards (a file or directory that already
//! existed with a looser mode is narrowed).

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Owner read and write.
pub const FILE_MODE: u32 = 0o600;
/// Owner read, write and search.
pub const DIR_MODE: u32 = 0o700;

/// Makes `dir` (and its missing parents) owner-only; an existing `dir` is narrowed.
/// Parents that already exist are left as they are: they are not opsd's.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)?;
    narrow(dir, DIR_MODE)
}

/// Writes `bytes` to `path` (created or truncated), owner-only.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(FILE_MODE)
        .open(path)?;
    narrow(path, FILE_MODE)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Creates an empty owner-only file at `path`, which must not exist (SQLite's
/// `VACUUM INTO` writes into an empty file and keeps its mode).
pub fn create_private_empty(path: &Path) -> io::Result<()> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .open(path)?;
    narrow(path, FILE_MODE)
}

/// Sets `path`'s mode to `mode` when it allows more (group or others).
pub fn narrow(path: &Path, mode: u32) -> io::Result<()> {
    let now = fs::metadata(path)?.permissions().mode() & 0o777;
    if now & !mode != 0 {
        fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

/// The permission bits of `path` (for checks and tests).
pub fn mode_of(path: &Path) -> io::Result<u32> {
    Ok(fs::metadata(path)?.permissions().mode() & 0o777)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_and_dirs_are_owner_only_and_loose_ones_are_narrowed() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let dir = tmp.path().join("a/b");
        assert!(private_dir(&dir).is_ok());
        assert_eq!(mode_of(&dir).ok(), Some(DIR_MODE));
        let f = dir.join("secret");
        assert!(write_private(&f, b"k").is_ok());
        assert_eq!(mode_of(&f).ok(), Some(FILE_MODE));
        assert!(fs::set_permissions(&f, fs::Permissions::from_mode(0o644)).is_ok());
        assert!(write_private(&f, b"k2").is_ok());
        assert_eq!(mode_of(&f).ok(), Some(FILE_MODE));
        assert!(fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).is_ok());
        assert!(private_dir(&dir).is_ok());
        assert_eq!(mode_of(&dir).ok(), Some(DIR_MODE));
        let empty = dir.join("empty.db");
        assert!(create_private_empty(&empty).is_ok());
        assert_eq!(mode_of(&empty).ok(), Some(FILE_MODE));
        assert!(create_private_empty(&empty).is_err(), "must not exist");
    }
}
