-- Issue 30: a domain's DS records (GET type=dnssec, MODIFY data=dnssec), as JSON:
-- [{"key_tag": 333, "algorithm": 5, "digest_type": 1, "digest": "…"}].
ALTER TABLE domains ADD COLUMN dnssec TEXT;
