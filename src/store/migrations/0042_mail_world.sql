-- Issue 33: the rest of the hosted email world the Email API reaches.
-- Roles a mailbox user holds (set_role): over the company (its name), a domain
-- or `domain/workgroup` (rules::mail_roles).
CREATE TABLE mail_roles (
    mailbox_id  INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    role        TEXT NOT NULL,
    object      TEXT NOT NULL,
    PRIMARY KEY (mailbox_id, role, object)
) WITHOUT ROWID;
-- Bulletins of a company (domain '') or of one of its domains: a raw email
-- sent to new users (auto) or when posted (manual).
CREATE TABLE mail_bulletins (
    company_id  INTEGER NOT NULL REFERENCES mail_companies(id) ON DELETE CASCADE,
    domain      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (company_id, domain, kind, name)
) WITHOUT ROWID;
-- A deleted domain, kept whole (JSON) for restore_domain by its id.
CREATE TABLE mail_deleted_domains (
    id          INTEGER PRIMARY KEY,
    company_id  INTEGER NOT NULL REFERENCES mail_companies(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    data        TEXT NOT NULL,
    deleted_at  INTEGER NOT NULL
);
CREATE INDEX mail_deleted_domains_by_company ON mail_deleted_domains (company_id, name);
-- A domain's other names (change_domain `aliases`).
CREATE TABLE mail_domain_aliases (
    alias   TEXT PRIMARY KEY,
    domain  TEXT NOT NULL REFERENCES mail_domains(name) ON DELETE CASCADE ON UPDATE CASCADE
) WITHOUT ROWID;
CREATE INDEX mail_domain_aliases_by_domain ON mail_domain_aliases (domain);
-- A user's application passwords (app_password): a tag and an Argon2 hash.
CREATE TABLE mail_app_passwords (
    mailbox_id     INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    tag            TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (mailbox_id, tag)
) WITHOUT ROWID;
-- The values a user's attributes took (get_user_attribute_history).
CREATE TABLE mail_attribute_history (
    id          INTEGER PRIMARY KEY,
    mailbox_id  INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    attribute   TEXT NOT NULL,
    value       TEXT NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX mail_attribute_history_by_user ON mail_attribute_history (mailbox_id, attribute, id);
-- A brand is deleted, not forgotten (search_brands `deleted`).
ALTER TABLE mail_brands ADD COLUMN deleted_at INTEGER;
-- Messages: their sender, whether read, and when deleted (restorable for 14
-- days, as OpenSRS's backups allow).
ALTER TABLE mail_messages ADD COLUMN sender TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_messages ADD COLUMN seen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mail_messages ADD COLUMN deleted_at INTEGER;
-- A user's address book contacts (JSON), deleted ones kept for a restore.
CREATE TABLE mail_contacts (
    id          INTEGER PRIMARY KEY,
    mailbox_id  INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    data        TEXT NOT NULL,
    deleted_at  INTEGER
);
CREATE INDEX mail_contacts_by_mailbox ON mail_contacts (mailbox_id);
-- Mail migration jobs (migration_add) and their users; no password is kept.
CREATE TABLE mail_migrations (
    job         TEXT PRIMARY KEY,
    company_id  INTEGER NOT NULL REFERENCES mail_companies(id) ON DELETE CASCADE,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE mail_migration_users (
    job         TEXT NOT NULL REFERENCES mail_migrations(job) ON DELETE CASCADE,
    local       TEXT NOT NULL,
    remote      TEXT NOT NULL,
    server      TEXT NOT NULL,
    method      TEXT NOT NULL,
    PRIMARY KEY (job, local)
) WITHOUT ROWID;
-- Short-lived download links (stats snapshots, migration traces): only the
-- SHA-256 of the link's token is kept.
CREATE TABLE mail_files (
    token_hash  TEXT PRIMARY KEY,
    company_id  INTEGER NOT NULL REFERENCES mail_companies(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    object      TEXT NOT NULL,
    expires_at  INTEGER NOT NULL
) WITHOUT ROWID;
-- Reindex requests (reindex): their id and when asked.
CREATE TABLE mail_reindex (
    id          TEXT PRIMARY KEY,
    mailbox_id  INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    folder      TEXT,
    created_at  INTEGER NOT NULL
) WITHOUT ROWID;
