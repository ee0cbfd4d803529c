-- Issue 27: events are made by rules::events and written by the store with the
-- change they tell of (store::events::events_in, which also queues the webhook
-- delivery); the triggers that made them in SQL go.
DROP TRIGGER IF EXISTS transfer_status_event;
DROP TRIGGER IF EXISTS order_status_event;
DROP TRIGGER IF EXISTS event_webhook_task;
