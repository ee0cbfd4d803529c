-- Issue 33: the users of a hosted email domain as the Email API has them. A
-- mailbox row is a user: its type (mailbox, forward, filter), its password hash
-- (Argon2, as other passwords), its workgroup, its attributes (name, title,
-- phone, fax, forwarding: JSON, as hosted_mail keeps them) and when it was made.
ALTER TABLE mailboxes ADD COLUMN kind TEXT NOT NULL DEFAULT 'mailbox';
ALTER TABLE mailboxes ADD COLUMN password_hash TEXT;
ALTER TABLE mailboxes ADD COLUMN workgroup TEXT NOT NULL DEFAULT 'staff';
ALTER TABLE mailboxes ADD COLUMN attributes TEXT NOT NULL DEFAULT '{}';
ALTER TABLE mailboxes ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
-- A suspended domain (change_domain `disabled`).
ALTER TABLE mail_domains ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
-- A user's other addresses; an alias may be in another domain of the company.
CREATE TABLE mail_aliases (
    address     TEXT PRIMARY KEY,
    mailbox_id  INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE
);
CREATE INDEX mail_aliases_by_mailbox ON mail_aliases (mailbox_id);
-- A deleted user, kept whole (JSON) for restore_user by its id.
CREATE TABLE mail_deleted_users (
    id          INTEGER PRIMARY KEY,
    company_id  INTEGER NOT NULL REFERENCES mail_companies(id) ON DELETE CASCADE,
    address     TEXT NOT NULL,
    data        TEXT NOT NULL,
    deleted_at  INTEGER NOT NULL
);
CREATE INDEX mail_deleted_users_by_company ON mail_deleted_users (company_id, address);
-- A domain's workgroups besides the default one (rules::mail_users).
CREATE TABLE mail_workgroups (
    domain      TEXT NOT NULL REFERENCES mail_domains(name) ON DELETE CASCADE ON UPDATE CASCADE,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (domain, name)
);
-- A user's login tokens (generate_token): only the SHA-256 of a token is kept;
-- an sso token is used up by its first login.
CREATE TABLE mail_user_tokens (
    token_hash  TEXT PRIMARY KEY,
    mailbox_id  INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    oma         INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    expires_at  INTEGER NOT NULL
) WITHOUT ROWID;
