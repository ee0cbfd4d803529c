-- Issue 30: one id space for every order — registrations, renewals and redemptions
-- (portfolio_orders), transfers (transfer_orders) — so that an order_id names one
-- order (GET_ORDER_INFO). New orders take their id from this one row (made by the
-- first order of a new database); ids given before this migration keep theirs,
-- which may repeat across the two tables.
CREATE TABLE order_sequence (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    last  INTEGER NOT NULL
);
INSERT INTO order_sequence (id, last)
SELECT 1, n FROM (SELECT max(coalesce((SELECT max(id) FROM portfolio_orders), 0),
                             coalesce((SELECT max(id) FROM transfer_orders), 0)) AS n) m
WHERE n > 0;
