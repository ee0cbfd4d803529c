-- Issue 27: events are made by rules::events and written by the store with the
-- change they tell of (store::events::events_in, which also queues the webhook
-- delivery); the triggers that made them in SQL go, with their functions.
DROP TRIGGER IF EXISTS transfer_status_event ON transfer_domains;
DROP TRIGGER IF EXISTS order_status_event ON transfer_domains;
DROP TRIGGER IF EXISTS event_webhook_task ON events;
DROP FUNCTION IF EXISTS opsd_transfer_status_event();
DROP FUNCTION IF EXISTS opsd_order_status_event();
DROP FUNCTION IF EXISTS opsd_order_status(TEXT);
DROP FUNCTION IF EXISTS opsd_event_webhook_task();
