-- Issue 19: what the portfolio calls (GET, MODIFY, RENEW, the nameserver object,
-- SET COOKIE) read and write. Domains arriving by transfer, push or registration
-- fill these; older rows keep NULLs, which the readers show as OpenSRS shows an
-- unknown date (empty) or a default.
ALTER TABLE domains ADD COLUMN registered_at INTEGER;   -- registry_createdate
ALTER TABLE domains ADD COLUMN updated_at INTEGER;      -- registry_updatedate
ALTER TABLE domains ADD COLUMN auth_code TEXT;          -- domain_auth_info
ALTER TABLE domains ADD COLUMN let_expire INTEGER NOT NULL DEFAULT 0;
ALTER TABLE domains ADD COLUMN affiliate_id TEXT;

-- Orders that are not transfers: registrations (new) and renewals. Their ids are
-- the `id` / `order_id` of SW_REGISTER and RENEW replies; a renewal keeps the
-- expiry year it renewed from, so that a second submission is told it is already
-- renewed.
CREATE TABLE portfolio_orders (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    reseller_id  INTEGER NOT NULL REFERENCES resellers(id),
    domain       TEXT NOT NULL,
    kind         TEXT NOT NULL,             -- new | renewal
    status       TEXT NOT NULL,             -- completed | saved
    period       INTEGER NOT NULL,
    price_cents  INTEGER NOT NULL,
    from_year    INTEGER,                   -- renewal: the expiry year renewed from
    request      TEXT,                      -- handle=save: the order as JSON
    created_at   INTEGER NOT NULL
);
CREATE INDEX portfolio_orders_by_domain ON portfolio_orders (domain, kind, id);

-- Hosts registered under a portfolio domain (the NAMESERVER object): a name can be
-- a domain's nameserver only once it exists, when it is under one of the
-- reseller's domains.
CREATE TABLE name_servers (
    name         TEXT PRIMARY KEY,
    reseller_id  INTEGER NOT NULL REFERENCES resellers(id),
    domain_id    INTEGER NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
    ipv4         TEXT,
    ipv6         TEXT,
    created_at   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX name_servers_by_domain ON name_servers (domain_id);

-- SET COOKIE: a session on one domain, opened with its profile's credentials. Only
-- the token's SHA-256 is kept, and it lives here so that every instance sees it.
CREATE TABLE cookies (
    token_hash   TEXT PRIMARY KEY,
    reseller_id  INTEGER NOT NULL REFERENCES resellers(id),
    domain_id    INTEGER NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX cookies_by_expiry ON cookies (expires_at);

-- Every domain has an expiry from now on: rows from before it was kept expire one
-- calendar year after they arrived (the sandbox's default registration).
UPDATE domains SET expires_at = CAST(strftime('%s', created_at, 'unixepoch', '+1 year') AS INTEGER)
WHERE expires_at IS NULL;
