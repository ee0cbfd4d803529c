-- Issue 30: bulk changes of every type, not only push_domains. A change's own
-- parameters (op_type, contacts, nameservers, period …) as JSON; NULL for a push.
-- `gaining_id` names the account that ends up holding the domains: the other
-- reseller for a push, the reseller itself for every other change type.
ALTER TABLE bulk_changes ADD COLUMN params TEXT;
