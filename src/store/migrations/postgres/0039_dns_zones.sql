-- Issue 31: the DNS service's zones and the domain forwarding service. A zone is
-- its domain's, for the reseller that made it: its records (JSON, as
-- rules::dns keeps them), the template it was made from (RESET_DNS_ZONE goes
-- back to it) and its SOA serial. A forward is the domain's list of forwarded
-- names (JSON). DNS templates get records.
CREATE TABLE dns_zones (
    domain       TEXT PRIMARY KEY,
    reseller_id  BIGINT NOT NULL REFERENCES resellers(id) ON DELETE CASCADE,
    template     TEXT,
    records      TEXT NOT NULL,
    serial       BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX dns_zones_by_reseller ON dns_zones (reseller_id);
CREATE TABLE domain_forwards (
    domain       TEXT PRIMARY KEY,
    reseller_id  BIGINT NOT NULL REFERENCES resellers(id) ON DELETE CASCADE,
    entries      TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX domain_forwards_by_reseller ON domain_forwards (reseller_id);
ALTER TABLE dns_templates ADD COLUMN records TEXT;
-- One counter per service, one more with each change of any zone or forwarding
-- (in the change's transaction): the DNS and forwarding servers of every
-- instance read the zones again when it moves. A row is made by the first change
-- (an empty table is what `opsd db copy` and snapshots expect of a new database).
CREATE TABLE hosted_versions (
    what  TEXT PRIMARY KEY,
    n     BIGINT NOT NULL
);
