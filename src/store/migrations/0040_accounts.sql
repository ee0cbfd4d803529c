-- Issue 32: accounts. A profile's sub-user (OpenSRS allows one per profile):
-- its own name and password (Argon2, as profiles keep theirs) and the bitmask
-- of what it may change. A cookie opened by a sub-user carries it, so that every
-- call made with that cookie is held to its rights.
CREATE TABLE subusers (
    id             INTEGER PRIMARY KEY,
    reseller_id    INTEGER NOT NULL REFERENCES resellers(id) ON DELETE CASCADE,
    profile_id     INTEGER NOT NULL UNIQUE REFERENCES profiles(id) ON DELETE CASCADE,
    username       TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    permission     INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (reseller_id, username)
);
ALTER TABLE cookies ADD COLUMN subuser_id INTEGER REFERENCES subusers(id) ON DELETE CASCADE;
-- GET_USER_ACCESS_INFO's passwords: opsd keeps only hashes, so it hands out a
-- temporary password that opens the profile until it expires.
CREATE TABLE profile_access (
    token_hash   TEXT PRIMARY KEY,
    profile_id   INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX profile_access_by_profile ON profile_access (profile_id);
-- A sub-reseller: a reseller of its own (key, IP rules, prices, balance) made
-- by its parent with SUBRESELLER CREATE; its status (a locked or canceled one
-- cannot call), and its other settings (contact set, e-mail addresses, …) as
-- JSON.
CREATE TABLE sub_resellers (
    reseller_id  INTEGER PRIMARY KEY REFERENCES resellers(id) ON DELETE CASCADE,
    parent_id    INTEGER NOT NULL REFERENCES resellers(id) ON DELETE CASCADE,
    status       TEXT NOT NULL,
    settings     TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX sub_resellers_by_parent ON sub_resellers (parent_id);
-- SUBRESELLER PAY: funds moved from a parent to its sub-reseller; the row's id
-- is the transaction id the reply gives.
CREATE TABLE sub_reseller_payments (
    id           INTEGER PRIMARY KEY,
    parent_id    INTEGER NOT NULL REFERENCES resellers(id) ON DELETE CASCADE,
    reseller_id  INTEGER NOT NULL REFERENCES resellers(id) ON DELETE CASCADE,
    cents        INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX sub_reseller_payments_by_parent ON sub_reseller_payments (parent_id);
-- A reseller's own price list (a sub-reseller's, say): its rows come before the
-- sandbox's list, TLD then '*' (rules::price).
CREATE TABLE reseller_prices (
    reseller_id  INTEGER NOT NULL REFERENCES resellers(id) ON DELETE CASCADE,
    tld          TEXT NOT NULL,
    kind         TEXT NOT NULL,
    cents        INTEGER NOT NULL,
    PRIMARY KEY (reseller_id, tld, kind)
) WITHOUT ROWID;
