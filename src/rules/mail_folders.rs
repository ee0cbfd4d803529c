//! A mailbox's folders and what happens to its mail over time: the folders
//! every mailbox has, which folders are live and which deleted, how long a
//! deleted message or contact can be restored (14 days, as OpenSRS's support
//! pages say of messages; *chosen* the same for contacts), and the states an
//! asynchronous job (a reindex, a migration) goes through on the sandbox's
//! clock (*chosen*: pending for its first 30 seconds, active until a minute,
//! then complete — the sandbox has no index to rebuild and no remote server to
//! copy from, see docs/email.md).

use crate::store::StoredMessage;

/// The folders every mailbox has (*chosen*, as OpenSRS's documentation lists
/// them in its example).
pub const STANDARD: [&str; 5] = ["INBOX", "Spam", "Drafts", "Trash", "Sent Items"];
/// Days a deleted message or contact can be restored.
pub const RESTORE_DAYS: i64 = 14;

/// A folder name: 1–255 characters, `.` between levels, no empty level, no
/// control characters (*chosen*).
pub fn folder_ok(name: &str) -> bool {
    (1..=255).contains(&name.len())
        && !name.chars().any(char::is_control)
        && name.split('.').all(|level| !level.trim().is_empty())
}

/// The live folders (the standard ones and any holding live mail) and the
/// deleted ones (holding only deleted mail), each in first-seen order.
pub fn folders(messages: &[StoredMessage]) -> (Vec<String>, Vec<String>) {
    let mut live: Vec<String> = STANDARD.iter().map(|s| s.to_string()).collect();
    for m in messages.iter().filter(|m| m.deleted_at.is_none()) {
        if !live.contains(&m.folder) {
            live.push(m.folder.clone());
        }
    }
    let mut deleted = Vec::new();
    for m in messages.iter().filter(|m| m.deleted_at.is_some()) {
        if !live.contains(&m.folder) && !deleted.contains(&m.folder) {
            deleted.push(m.folder.clone());
        }
    }
    (live, deleted)
}

/// The state of a job made `age` seconds ago.
pub fn job_state(age: i64) -> &'static str {
    match age {
        a if a < 30 => "pending",
        a if a < 60 => "active",
        _ => "complete",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(folder: &str, deleted: bool) -> StoredMessage {
        StoredMessage {
            id: 1,
            folder: folder.into(),
            subject: String::new(),
            sender: String::new(),
            size: 1,
            seen: false,
            received_at: 0,
            deleted_at: deleted.then_some(5),
        }
    }

    #[test]
    fn folders_live_and_deleted() {
        let (live, deleted) =
            folders(&[msg("2011.Q1", false), msg("Old", true), msg("INBOX", true)]);
        assert_eq!(
            live,
            ["INBOX", "Spam", "Drafts", "Trash", "Sent Items", "2011.Q1"]
        );
        assert_eq!(deleted, ["Old"]);
        assert!(folder_ok("2011.Q1.January Pictures of Kitties"));
        assert!(!folder_ok("a..b"));
        assert!(!folder_ok(""));
    }

    #[test]
    fn jobs_move_on_with_the_clock() {
        assert_eq!(
            [job_state(0), job_state(45), job_state(60)],
            ["pending", "active", "complete"]
        );
    }
}
