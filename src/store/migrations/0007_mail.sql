-- Hosted email (seed 001): companies on clusters, their brands, email domains with
-- mailboxes and stored mail, administrators, the push permissions, API tokens, and
-- the billing entries a push starts.

CREATE TABLE mail_companies (
    id             INTEGER PRIMARY KEY,        -- the company_id
    name           TEXT NOT NULL,
    cluster        TEXT NOT NULL,              -- e.g. 'a', 'b': pushes stay on one
    billing_cycle  TEXT NOT NULL DEFAULT 'monthly',  -- monthly | yearly
    billing_day    INTEGER NOT NULL DEFAULT 1,       -- the day cycles start (1..28)
    settings       TEXT NOT NULL DEFAULT '{}',        -- defaults for unbranded domains (JSON)
    push_notify    TEXT,                       -- domain_push_notify
    created_at     INTEGER NOT NULL
);

-- company_id accepts pushes from allowed_id (domain_push_allowed).
CREATE TABLE mail_push_allowed (
    company_id  INTEGER NOT NULL REFERENCES mail_companies(id) ON DELETE CASCADE,
    allowed_id  INTEGER NOT NULL,
    PRIMARY KEY (company_id, allowed_id)
) WITHOUT ROWID;

-- name NULL: unlabelled (a brand that came with a pushed domain).
CREATE TABLE mail_brands (
    id          INTEGER PRIMARY KEY,
    company_id  INTEGER NOT NULL REFERENCES mail_companies(id) ON DELETE CASCADE,
    name        TEXT,
    settings    TEXT NOT NULL DEFAULT '{}',
    editable    INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE mail_domains (
    name        TEXT PRIMARY KEY,
    company_id  INTEGER NOT NULL REFERENCES mail_companies(id),
    brand_id    INTEGER REFERENCES mail_brands(id),
    settings    TEXT NOT NULL DEFAULT '{}',    -- the domain's own settings (move with it)
    created_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX mail_domains_by_company ON mail_domains (company_id, name);

CREATE TABLE mailboxes (
    id          INTEGER PRIMARY KEY,
    domain      TEXT NOT NULL REFERENCES mail_domains(name) ON UPDATE CASCADE,
    local_part  TEXT NOT NULL,
    settings    TEXT NOT NULL DEFAULT '{}',
    UNIQUE (domain, local_part)
);

CREATE TABLE mail_messages (
    id           INTEGER PRIMARY KEY,
    mailbox_id   INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    folder       TEXT NOT NULL DEFAULT 'INBOX',
    subject      TEXT NOT NULL DEFAULT '',
    size         INTEGER NOT NULL,
    received_at  INTEGER NOT NULL
);
CREATE INDEX mail_messages_by_mailbox ON mail_messages (mailbox_id);

CREATE TABLE mail_admins (
    id             INTEGER PRIMARY KEY,
    company_id     INTEGER NOT NULL REFERENCES mail_companies(id) ON DELETE CASCADE,
    username       TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    created_at     INTEGER NOT NULL
);

-- Tokens of the JSON API (generate_token, authenticate's session token); only the
-- SHA-256 of a token is kept.
CREATE TABLE mail_tokens (
    token_hash  TEXT PRIMARY KEY,
    admin_id    INTEGER NOT NULL REFERENCES mail_admins(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    expires_at  INTEGER NOT NULL
) WITHOUT ROWID;

-- A company's billing for a domain, from starts_at (the next full cycle after a push).
CREATE TABLE mail_billing (
    id          INTEGER PRIMARY KEY,
    company_id  INTEGER NOT NULL REFERENCES mail_companies(id),
    domain      TEXT NOT NULL,
    starts_at   INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX mail_billing_by_domain ON mail_billing (domain, id);
