-- Issue 20: the request journal. Every OPS, Email API and /srv request with its
-- reply, secrets masked, bounded in rows and age (see store::journal), per
-- reseller when the caller was identified. An error reply carries its
-- explanation (JSON): the envelope as parsed, the field, the rule and what would
-- have been accepted.
CREATE TABLE journal (
    id           INTEGER PRIMARY KEY,
    at           INTEGER NOT NULL,
    reseller_id  INTEGER REFERENCES resellers(id) ON DELETE CASCADE,
    username     TEXT NOT NULL,
    surface      TEXT NOT NULL,              -- ops | email | srv
    action       TEXT NOT NULL,
    code         INTEGER NOT NULL,
    success      INTEGER NOT NULL,
    request      TEXT NOT NULL,              -- head and body, masked, at most 64 KiB
    reply        TEXT NOT NULL,
    explanation  TEXT,
    fault        TEXT,                       -- the injected fault, if one answered
    repeats      INTEGER NOT NULL DEFAULT 1  -- the same request, the same answer, this often in a row
);
CREATE INDEX journal_by_reseller ON journal (reseller_id, id);
