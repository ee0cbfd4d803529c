-- Issue 26: the journal bounded by construction. Each account keeps its own window
-- of rows (tenant: 'reseller:<id>', 'email:<user>', 'srv:<handle>', and '-' for
-- every caller that did not authenticate), bounded in rows and in bytes (size: the
-- bytes of request and reply).
ALTER TABLE journal ADD COLUMN tenant TEXT NOT NULL DEFAULT '-';
ALTER TABLE journal ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
UPDATE journal SET tenant = 'reseller:' || reseller_id WHERE reseller_id IS NOT NULL;
UPDATE journal SET size = length(request) + length(reply);
CREATE INDEX journal_by_tenant ON journal (tenant, id);
