-- Issue 18: a transfer adds a year to the domain's expiry. The analysis records the
-- expiry the domain will have once transferred (the registry's plus one year, as
-- rules::transfer computes it); the completed transfer gives it to the portfolio row.
ALTER TABLE transfer_domains ADD COLUMN expires_after INTEGER;
ALTER TABLE domains ADD COLUMN expires_at INTEGER;
