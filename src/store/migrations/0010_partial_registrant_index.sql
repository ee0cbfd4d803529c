-- A domain has no registrant until its analysis: the index covers only those that
-- do, so accepting a 10,000-domain job no longer writes 10,000 entries under NULL
-- (the lookups, registrant_id = ?, imply IS NOT NULL and still use it).
DROP INDEX transfer_domains_by_registrant;
CREATE INDEX transfer_domains_by_registrant ON transfer_domains (registrant_id, status)
    WHERE registrant_id IS NOT NULL;
