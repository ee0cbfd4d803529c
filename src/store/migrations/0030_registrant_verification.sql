-- Issue 30: registrant verification, as ICANN's 2013 RAA makes OpenSRS do it. A new
-- registration (or a new registrant address) starts one; the registrant verifies on
-- the page the emailed link opens; unverified at the deadline, the domain is
-- suspended until they do. `token` opens the page, `csrf` guards its form.
CREATE TABLE registrant_verifications (
    id           INTEGER PRIMARY KEY,
    reseller_id  INTEGER NOT NULL REFERENCES resellers(id),
    domain       TEXT NOT NULL,
    email        TEXT NOT NULL,
    status       TEXT NOT NULL,                -- verifying | verified | suspended
    token        TEXT NOT NULL UNIQUE,
    csrf         TEXT NOT NULL,
    started_at   INTEGER NOT NULL,
    deadline     INTEGER NOT NULL,
    sent_at      INTEGER,
    bounced      INTEGER NOT NULL DEFAULT 0,
    verified_at  INTEGER
);
CREATE INDEX registrant_verifications_by_domain ON registrant_verifications (reseller_id, domain, id);
CREATE INDEX registrant_verifications_by_email ON registrant_verifications (reseller_id, email, status);
