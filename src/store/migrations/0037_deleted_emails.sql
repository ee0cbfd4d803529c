-- GET_DELETED_DOMAINS filters by the contacts' addresses (issue 30): each role's
-- address, lower-cased, as the domain held it when it was deleted. Rows deleted
-- before this migration have none and match no address filter.
ALTER TABLE deleted_domains ADD COLUMN owner_email TEXT;
ALTER TABLE deleted_domains ADD COLUMN admin_email TEXT;
ALTER TABLE deleted_domains ADD COLUMN billing_email TEXT;
ALTER TABLE deleted_domains ADD COLUMN tech_email TEXT;
