-- Page logins: a reseller's control-panel password, and the sessions of every page
-- area (reseller panel, mail administration, operator dashboard). The audit log
-- learns the other side of a push, so both resellers see it.

ALTER TABLE resellers ADD COLUMN password_hash TEXT;

-- token_hash is SHA-256 of the cookie value: a copy of the database does not hand
-- out live sessions. csrf is the token every POST of the session must carry.
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    realm       TEXT NOT NULL,
    subject_id  INTEGER NOT NULL,
    csrf        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

ALTER TABLE audit_log ADD COLUMN gaining TEXT;
CREATE INDEX audit_log_by_actor ON audit_log (actor, id);
CREATE INDEX audit_log_by_gaining ON audit_log (gaining, id);
