-- Issue 18: what a transfer order asks of the domain beside its contacts: WHOIS
-- privacy, auto-renew and the TLD's own data, kept with the order and given to the
-- portfolio row when the transfer completes.
ALTER TABLE transfer_orders ADD COLUMN whois_privacy INTEGER NOT NULL DEFAULT 0;
ALTER TABLE transfer_orders ADD COLUMN auto_renew INTEGER NOT NULL DEFAULT 0;
ALTER TABLE transfer_orders ADD COLUMN tld_data TEXT;
ALTER TABLE domains ADD COLUMN whois_privacy INTEGER NOT NULL DEFAULT 0;
ALTER TABLE domains ADD COLUMN auto_renew INTEGER NOT NULL DEFAULT 0;
ALTER TABLE domains ADD COLUMN tld_data TEXT;
