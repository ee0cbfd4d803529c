-- Issue 18: each reseller's account balance and the part of it held for orders in
-- progress, in cents. New resellers start with a generous sandbox balance
-- (100,000.00); `opsd reseller balance` and the scenario file set it.
ALTER TABLE resellers ADD COLUMN balance_cents INTEGER NOT NULL DEFAULT 10000000;
ALTER TABLE resellers ADD COLUMN hold_cents INTEGER NOT NULL DEFAULT 0;
