-- Issue 18: each reseller's account balance, in cents. New resellers start with a
-- generous sandbox balance (100,000.00); `opsd reseller balance` and the scenario
-- file set it. What is held for orders in progress is derived from the orders.
ALTER TABLE resellers ADD COLUMN balance_cents INTEGER NOT NULL DEFAULT 10000000;
