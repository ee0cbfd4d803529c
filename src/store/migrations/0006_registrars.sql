-- The registry-style push of seed 002 (`POST /srv/push_domain`): registrar accounts
-- with handles, the domains they sponsor, contact handles and their sponsor, and the
-- invoices a push credits and reissues.

CREATE TABLE registrars (
    handle          TEXT PRIMARY KEY,           -- e.g. H12345
    password_crypt  TEXT NOT NULL,              -- MD5-crypt: $1$<salt>$<hash>
    email           TEXT NOT NULL,
    opted_out       INTEGER NOT NULL DEFAULT 0, -- refuses pushes
    created_at      INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE registry_domains (
    name        TEXT PRIMARY KEY,
    registrar   TEXT NOT NULL REFERENCES registrars(handle),
    status      TEXT NOT NULL DEFAULT 'Live',
    registrant  TEXT,                           -- client handle
    tech        TEXT,                           -- technical contact handle
    created_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX registry_domains_by_registrar ON registry_domains (registrar);
CREATE INDEX registry_domains_by_registrant ON registry_domains (registrant, registrar);
CREATE INDEX registry_domains_by_tech ON registry_domains (tech, registrar);

-- sponsor NULL: unsponsored.
CREATE TABLE contact_handles (
    handle   TEXT PRIMARY KEY,
    sponsor  TEXT REFERENCES registrars(handle)
) WITHOUT ROWID;

CREATE TABLE invoices (
    id            INTEGER PRIMARY KEY,
    registrar     TEXT NOT NULL REFERENCES registrars(handle),
    domain        TEXT NOT NULL,
    amount_cents  INTEGER NOT NULL,
    status        TEXT NOT NULL,                -- outstanding | paid | credited
    reissued_from INTEGER REFERENCES invoices(id),
    created_at    INTEGER NOT NULL
);
CREATE INDEX invoices_by_domain ON invoices (domain, registrar, status);
