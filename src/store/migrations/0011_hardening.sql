-- Issue 15 (hardening): tokens minted with a token cannot mint further ones; audit
-- rows say what kind of account acted and gained, so that one kind's names never
-- show another kind's rows.

ALTER TABLE mail_tokens ADD COLUMN from_token INTEGER NOT NULL DEFAULT 0;
CREATE INDEX mail_tokens_by_admin ON mail_tokens (admin_id);
CREATE INDEX sessions_by_subject ON sessions (realm, subject_id);

-- reseller | operator | mail_admin | company | registrar (and NULL before this
-- migration: rows of the old namespace, shown to no reseller).
ALTER TABLE audit_log ADD COLUMN actor_kind TEXT;
ALTER TABLE audit_log ADD COLUMN gaining_kind TEXT;
