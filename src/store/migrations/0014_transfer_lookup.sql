-- CHECK_TRANSFER finds the latest transfer of a domain by its name.
CREATE INDEX transfer_domains_by_name ON transfer_domains (name);
