-- Pushes between resellers (seed 000): the operator's switch, the gaining reseller's
-- allow-list of losing resellers, and the audit log of every push.

-- Off until an operator turns it on (`opsd reseller enable-push`).
ALTER TABLE resellers ADD COLUMN push_enabled INTEGER NOT NULL DEFAULT 0;

-- gaining_id accepts pushes from losing_id.
CREATE TABLE push_allow (
    gaining_id  INTEGER NOT NULL REFERENCES resellers(id) ON DELETE CASCADE,
    losing_id   INTEGER NOT NULL REFERENCES resellers(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (gaining_id, losing_id)
) WITHOUT ROWID;

-- Who did what, when, from where.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    detail     TEXT NOT NULL,
    client_ip  TEXT NOT NULL
);
CREATE INDEX audit_log_by_subject ON audit_log (subject, id);
