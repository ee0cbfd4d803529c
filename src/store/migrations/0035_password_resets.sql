-- Issue 30: SEND_PASSWORD (object DOMAIN) mails a contact of the domain a link to
-- set its profile's password (opsd keeps only password hashes, so it cannot send
-- the password itself). Only the link token's SHA-256 is kept; a link works once,
-- for a day.
CREATE TABLE password_resets (
    token_hash   TEXT PRIMARY KEY,
    reseller_id  INTEGER NOT NULL REFERENCES resellers(id) ON DELETE CASCADE,
    profile_id   INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    domain       TEXT NOT NULL,
    email        TEXT NOT NULL,
    csrf         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_at      INTEGER
);
CREATE INDEX password_resets_by_expiry ON password_resets (expires_at);
