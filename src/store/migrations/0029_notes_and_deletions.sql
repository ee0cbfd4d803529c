-- Issue 30. GET_NOTES: what happened to a domain, in the words OpenSRS writes in a
-- domain's, an order's or a transfer's notes. Kept per reseller: a domain pushed on
-- does not take the losing reseller's notes along.
CREATE TABLE domain_notes (
    id           INTEGER PRIMARY KEY,
    reseller_id  INTEGER NOT NULL REFERENCES resellers(id),
    domain       TEXT NOT NULL,
    scope        TEXT NOT NULL,                -- domain | order | transfer
    ref_id       INTEGER,                      -- the order's or the transfer's id
    note         TEXT NOT NULL,
    at           INTEGER NOT NULL
);
CREATE INDEX domain_notes_by_domain ON domain_notes (reseller_id, domain, scope, id);

-- REVOKE: a domain deleted at the registry. GET_DELETED_DOMAINS lists it; until
-- redeem_until, REDEEM puts it back as it was (`record`: its row, as JSON).
CREATE TABLE deleted_domains (
    id           INTEGER PRIMARY KEY,
    reseller_id  INTEGER NOT NULL REFERENCES resellers(id),
    name         TEXT NOT NULL,
    reason       TEXT NOT NULL,                -- By-Request
    deleted_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    redeem_until INTEGER NOT NULL,
    redeemed_at  INTEGER,
    record       TEXT NOT NULL
);
CREATE INDEX deleted_domains_by_reseller ON deleted_domains (reseller_id, deleted_at);
CREATE INDEX deleted_domains_by_name ON deleted_domains (name);
