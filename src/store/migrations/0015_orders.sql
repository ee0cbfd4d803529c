-- Issue 18: single transfer orders (SW_REGISTER reg_type=transfer). A processed
-- order runs as a one-domain transfer job (its analysis, approval, registry step);
-- a saved one waits without a job. Its price is held while its transfer is on its
-- way and charged when it completes.
CREATE TABLE transfer_orders (
    id           INTEGER PRIMARY KEY,                  -- the order id (also its transfer_id)
    reseller_id  INTEGER NOT NULL REFERENCES resellers(id),
    domain       TEXT NOT NULL,
    auth_info    TEXT NOT NULL,
    job_id       INTEGER UNIQUE REFERENCES transfer_jobs(id),
    handle       TEXT NOT NULL,                        -- process | save
    approver     TEXT,                                 -- owner_confirm_address, when given
    contacts     TEXT,                                 -- the request's contact set (JSON)
    lock_domain  INTEGER NOT NULL DEFAULT 0,           -- f_lock_domain
    period       INTEGER NOT NULL DEFAULT 1,
    price_cents  INTEGER NOT NULL,
    registrant_ip TEXT,
    created_at   INTEGER NOT NULL
);
CREATE INDEX transfer_orders_by_reseller ON transfer_orders (reseller_id, id);
CREATE INDEX transfer_orders_by_domain ON transfer_orders (domain);
