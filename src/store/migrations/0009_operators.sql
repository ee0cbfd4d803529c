-- Operator accounts of the dashboard (/dashboard): people who run opsd, above the
-- resellers. Passwords are Argon2id PHC strings.
CREATE TABLE operators (
    id             INTEGER PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    created_at     INTEGER NOT NULL
);
