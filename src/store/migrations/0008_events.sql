-- Events a reseller polls (POLL / ACK, object EVENT) and the webhooks that push the
-- same events to a reseller's URL, with a log of every delivery attempt.

-- When a domain's transfer status last changed (the app clock's time; the status
-- trigger below dates its event with it).
ALTER TABLE transfer_domains ADD COLUMN status_at INTEGER;

CREATE TABLE events (
    id           INTEGER PRIMARY KEY,          -- the order events are polled in
    event_id     TEXT NOT NULL UNIQUE,         -- 32 hex, what clients see and ACK
    reseller_id  INTEGER NOT NULL REFERENCES resellers(id),
    event        TEXT NOT NULL,                -- STATUS_CHANGE, PUSHED_IN, PUSHED_OUT
    object       TEXT NOT NULL,                -- TRANSFER, DOMAIN
    at           INTEGER NOT NULL,
    data         TEXT NOT NULL,                -- object_data as a JSON object
    acked_at     INTEGER
);
CREATE INDEX events_unacked ON events (reseller_id, id) WHERE acked_at IS NULL;

CREATE TABLE webhooks (
    reseller_id  INTEGER PRIMARY KEY REFERENCES resellers(id),
    url          TEXT NOT NULL,
    secret       TEXT NOT NULL,                -- HMAC-SHA256 key of the signature header
    created_at   INTEGER NOT NULL
);

CREATE TABLE webhook_attempts (
    id           INTEGER PRIMARY KEY,
    event        INTEGER NOT NULL REFERENCES events(id),
    reseller_id  INTEGER NOT NULL,
    url          TEXT NOT NULL,
    attempt      INTEGER NOT NULL,             -- 1 for the first try
    at           INTEGER NOT NULL,
    http_status  INTEGER,                      -- NULL when no HTTP reply came
    error        TEXT,
    outcome      TEXT NOT NULL                 -- delivered | retry | gave_up
);
CREATE INDEX webhook_attempts_reseller ON webhook_attempts (reseller_id, id);

-- Every transfer status change makes its event in the same transaction, whichever
-- statement changed it: none is lost and none is made for a change that rolled back.
-- transfer_id names the domain's transfer (job × 100000 + position; a job holds at
-- most 10,000 domains), order_id the job.
CREATE TRIGGER transfer_status_event AFTER UPDATE OF status ON transfer_domains
WHEN NEW.status IS NOT OLD.status
BEGIN
    INSERT INTO events (event_id, reseller_id, event, object, at, data)
    SELECT lower(hex(randomblob(16))), j.reseller_id, 'STATUS_CHANGE', 'TRANSFER',
           coalesce(NEW.status_at, j.created_at),
           json_object('transfer_id', NEW.job_id * 100000 + NEW.position,
                       'order_id', NEW.job_id,
                       'domain_name', NEW.name,
                       'transfer_status', NEW.status)
    FROM transfer_jobs j WHERE j.id = NEW.job_id;
END;

-- A reseller with a webhook gets a delivery task for each of its events.
CREATE TRIGGER event_webhook_task AFTER INSERT ON events
BEGIN
    INSERT INTO tasks (kind, subject, due_at, created_at)
    SELECT 'webhook', NEW.id, NEW.at, NEW.at FROM webhooks WHERE reseller_id = NEW.reseller_id;
END;
