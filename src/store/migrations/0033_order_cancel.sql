-- Issue 30: a saved transfer order (handle=save, never started) is kept whole so
-- that PROCESS_PENDING can start it later: the profile it goes into and the
-- nameservers asked for (JSON), which a started order keeps in its job instead.
-- It can also be cancelled (PROCESS_PENDING command=cancel, CANCEL_PENDING_ORDERS,
-- CANCEL_ACTIVE_PROCESS): when. A started transfer's end is its transfer's status.
ALTER TABLE transfer_orders ADD COLUMN profile_id INTEGER;
ALTER TABLE transfer_orders ADD COLUMN nameservers TEXT;
ALTER TABLE transfer_orders ADD COLUMN cancelled_at INTEGER;
