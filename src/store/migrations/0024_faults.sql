-- Issue 20: fault injection. Rules the operator sets (scenario, CLI, operator API)
-- that make the sandbox misbehave on purpose: answer OPS calls with a given code
-- and text, add latency, close the connection, take a registry down, refuse mail
-- at the relay, time webhooks out. Each is listed and removable; `remaining`
-- counts the calls a rule still takes (NULL: every one), `fraction` the share of
-- calls it takes, `until_at` when it ends (NULL: when removed).
CREATE TABLE faults (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,     -- reply | latency | close | registry_down | smtp_refuse | webhook_timeout
    reseller_id  INTEGER REFERENCES resellers(id) ON DELETE CASCADE,
    action       TEXT,              -- an OPS action, upper case; NULL: any
    target       TEXT,              -- registry_down: a TLD (".com") or a domain
    remaining    INTEGER,
    fraction     REAL,
    code         INTEGER,
    text         TEXT,
    latency_ms   INTEGER,
    until_at     INTEGER,
    created_at   INTEGER NOT NULL
);
