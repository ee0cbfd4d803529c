-- The transfer-in lifecycle: due-dated tasks, the outbox, registrant decisions,
-- per-domain analysis results, and server settings (sandbox clock, secrets).

-- Background work. A task is done when done_at is set, in the same transaction as
-- its effects; a crash before that leaves it due, to be run again from the start.
CREATE TABLE tasks (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    subject     INTEGER NOT NULL,   -- a job, registrant or outbox id, by kind
    item        INTEGER,            -- a domain's position within its job, where it matters
    due_at      INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    done_at     INTEGER,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT
);
CREATE INDEX tasks_due ON tasks (due_at, id) WHERE done_at IS NULL;

-- Every email the system sends, with its delivery state.
CREATE TABLE outbox (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL,
    to_addr        TEXT NOT NULL,
    subject        TEXT NOT NULL,
    body           TEXT NOT NULL,
    message_id     TEXT NOT NULL UNIQUE,
    created_at     INTEGER NOT NULL,
    sent_at        INTEGER,
    attempts       INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT,
    job_id         INTEGER REFERENCES transfer_jobs(id),
    registrant_id  INTEGER REFERENCES transfer_registrants(id)
);

ALTER TABLE transfer_registrants ADD COLUMN decision TEXT;      -- accept | cancel | timeout
ALTER TABLE transfer_registrants ADD COLUMN decided_at INTEGER;
ALTER TABLE transfer_registrants ADD COLUMN expires_at INTEGER;
ALTER TABLE transfer_registrants ADD COLUMN profile_id INTEGER REFERENCES profiles(id);
-- Guards the approval page's own forms (the OpenSRS-style /transfers posts come from
-- reseller-hosted pages and rely on the unguessable token alone).
ALTER TABLE transfer_registrants ADD COLUMN csrf TEXT;

-- What analysis found: the WHOIS contact set (JSON) and when the registry step is due.
ALTER TABLE transfer_domains ADD COLUMN contacts TEXT;
ALTER TABLE transfer_domains ADD COLUMN registrant_email TEXT;
ALTER TABLE transfer_domains ADD COLUMN registrant_name TEXT;
ALTER TABLE transfer_domains ADD COLUMN registry_days INTEGER;
-- Lifecycle steps look domains up by registrant and by the job's open statuses.
CREATE INDEX transfer_domains_by_registrant ON transfer_domains (registrant_id, status);
CREATE INDEX transfer_domains_by_job_status ON transfer_domains (job_id, status);
CREATE INDEX transfer_registrants_by_email ON transfer_registrants (job_id, email);

-- What a completed transfer brings into the portfolio.
ALTER TABLE domains ADD COLUMN contacts TEXT;
ALTER TABLE domains ADD COLUMN nameservers TEXT;
ALTER TABLE domains ADD COLUMN dns_template TEXT;
ALTER TABLE domains ADD COLUMN transferred_at INTEGER;

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;
