-- Issue 18: transfers away. Another registrar asked for a domain of a reseller's
-- portfolio; its owner approves or declines on the page the email links to, and
-- with no answer within the window the transfer completes. A completed one takes
-- the domain out of the portfolio.
CREATE TABLE transfers_away (
    id           INTEGER PRIMARY KEY,
    reseller_id  INTEGER NOT NULL REFERENCES resellers(id),
    domain       TEXT NOT NULL,
    gaining      TEXT NOT NULL,                  -- the gaining registrar's name
    status       TEXT NOT NULL,                  -- pending_owner | completed | cancelled
    owner_email  TEXT NOT NULL,
    token        TEXT NOT NULL UNIQUE,
    csrf         TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    decision     TEXT,                           -- accept | decline | timeout
    decided_at   INTEGER
);
CREATE INDEX transfers_away_by_reseller ON transfers_away (reseller_id, id);
