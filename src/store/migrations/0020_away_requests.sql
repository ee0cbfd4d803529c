-- Issue 18: transfers away the scenario file asks for. Seeding records each once and
-- queues the task that starts it through rules::away, like opsd domain transfer-away.
CREATE TABLE away_requests (
    id          INTEGER PRIMARY KEY,
    domain      TEXT NOT NULL UNIQUE,
    gaining     TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
