-- Resellers, their profiles and portfolio, and SIMPLE_TRANSFER jobs.
-- Times are Unix seconds (UTC), taken from the server's clock.

CREATE TABLE resellers (
    id           INTEGER PRIMARY KEY,
    username     TEXT NOT NULL UNIQUE,
    private_key  TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);

-- IP Access Rules: when a reseller has rows here, only these networks may call.
CREATE TABLE reseller_ips (
    reseller_id  INTEGER NOT NULL REFERENCES resellers(id) ON DELETE CASCADE,
    cidr         TEXT NOT NULL,
    PRIMARY KEY (reseller_id, cidr)
) WITHOUT ROWID;

-- End-user accounts inside a reseller (reg_username / reg_password).
CREATE TABLE profiles (
    id             INTEGER PRIMARY KEY,
    reseller_id    INTEGER NOT NULL REFERENCES resellers(id) ON DELETE CASCADE,
    username       TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    UNIQUE (reseller_id, username)
);

-- A reseller's portfolio.
CREATE TABLE domains (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    reseller_id  INTEGER NOT NULL REFERENCES resellers(id),
    profile_id   INTEGER NOT NULL REFERENCES profiles(id),
    status       TEXT NOT NULL DEFAULT 'Live',
    locked       INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL
);
CREATE INDEX domains_by_profile ON domains (profile_id);
CREATE INDEX domains_by_reseller ON domains (reseller_id, name);

CREATE TABLE dns_templates (
    reseller_id  INTEGER NOT NULL REFERENCES resellers(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    PRIMARY KEY (reseller_id, name)
) WITHOUT ROWID;

-- AUTOINCREMENT: job ids are sequential and never reused, and a scenario can set the
-- next one through sqlite_sequence.
CREATE TABLE transfer_jobs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    reseller_id   INTEGER NOT NULL REFERENCES resellers(id),
    name          TEXT NOT NULL,
    status        TEXT NOT NULL,
    profile_id    INTEGER REFERENCES profiles(id),
    dns_template  TEXT,
    created_at    INTEGER NOT NULL
);
CREATE INDEX transfer_jobs_by_reseller ON transfer_jobs (reseller_id, id);

CREATE TABLE transfer_nameservers (
    job_id    INTEGER NOT NULL REFERENCES transfer_jobs(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    name      TEXT NOT NULL,
    PRIMARY KEY (job_id, position)
) WITHOUT ROWID;

CREATE TABLE transfer_registrants (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id  INTEGER NOT NULL REFERENCES transfer_jobs(id) ON DELETE CASCADE,
    email   TEXT NOT NULL,
    name    TEXT NOT NULL,
    status  TEXT NOT NULL,
    token   TEXT NOT NULL UNIQUE
);
CREATE INDEX transfer_registrants_by_job ON transfer_registrants (job_id, id);

CREATE TABLE transfer_domains (
    job_id         INTEGER NOT NULL REFERENCES transfer_jobs(id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    name           TEXT NOT NULL,
    auth_info      TEXT NOT NULL,
    status         TEXT NOT NULL,
    reason         TEXT,
    registrant_id  INTEGER REFERENCES transfer_registrants(id),
    PRIMARY KEY (job_id, position)
) WITHOUT ROWID;
