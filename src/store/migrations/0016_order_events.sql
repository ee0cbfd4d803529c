-- Issue 18: each status change of a single transfer order makes an ORDER
-- STATUS_CHANGE event too, in the same transaction. The statuses are OpenSRS's, as
-- rules::transfer::opensrs_status names them (a unit test holds the two together);
-- a change that keeps the OpenSRS status (pending → processed) makes none.
CREATE TRIGGER order_status_event AFTER UPDATE OF status ON transfer_domains
WHEN (CASE NEW.status WHEN 'pending' THEN 'pending_owner' WHEN 'processed' THEN 'pending_owner'
        WHEN 'pending_registry' THEN 'pending_registry' WHEN 'completed' THEN 'completed'
        ELSE 'cancelled' END)
  IS NOT (CASE OLD.status WHEN 'pending' THEN 'pending_owner' WHEN 'processed' THEN 'pending_owner'
        WHEN 'pending_registry' THEN 'pending_registry' WHEN 'completed' THEN 'completed'
        ELSE 'cancelled' END)
BEGIN
    INSERT INTO events (event_id, reseller_id, event, object, at, data)
    SELECT lower(hex(randomblob(16))), o.reseller_id, 'STATUS_CHANGE', 'ORDER',
           coalesce(NEW.status_at, o.created_at),
           json_object('order_id', o.id,
                       'order_reg_type', 'transfer',
                       'domain_name', NEW.name,
                       'order_status', CASE NEW.status
                           WHEN 'pending' THEN 'pending_owner' WHEN 'processed' THEN 'pending_owner'
                           WHEN 'pending_registry' THEN 'pending_registry'
                           WHEN 'completed' THEN 'completed' ELSE 'cancelled' END)
    FROM transfer_orders o WHERE o.job_id = NEW.job_id;
END;
