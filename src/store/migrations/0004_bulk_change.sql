-- Bulk changes of type push_domains (seed 000): a queued job per request, its items
-- in request order, each item's outcome written with the push it records.

CREATE TABLE bulk_changes (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    reseller_id      INTEGER NOT NULL REFERENCES resellers(id),
    gaining_id       INTEGER NOT NULL REFERENCES resellers(id),
    change_type      TEXT NOT NULL,
    status           TEXT NOT NULL,            -- queued | running | completed | cancelled
    profile_id       INTEGER REFERENCES profiles(id),   -- existing gaining profile, or NULL: one new profile per domain
    apply_to_locked  INTEGER NOT NULL,
    contact_email    TEXT,
    client_ip        TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    finished_at      INTEGER
);
CREATE INDEX bulk_changes_by_reseller ON bulk_changes (reseller_id, id);

CREATE TABLE bulk_change_items (
    change_id  INTEGER NOT NULL REFERENCES bulk_changes(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    domain     TEXT NOT NULL,
    status     TEXT NOT NULL,                  -- queued | pushed | skipped | failed | cancelled
    reason     TEXT,
    PRIMARY KEY (change_id, position)
) WITHOUT ROWID;
CREATE INDEX bulk_change_items_by_status ON bulk_change_items (change_id, status, position);
