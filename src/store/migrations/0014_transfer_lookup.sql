-- CHECK_TRANSFER finds a reseller's latest transfer of a domain through its jobs
-- (transfer_jobs_by_reseller) and their domains, without an index on the domains'
-- names: measured on the big bench, such an index took the 10,000-domain accept from
-- 33.5-35.5 ms to 42.4-49.0 ms (ratio 1.28-1.51 → 1.78-2.00), and every domain of
-- every job pays it, while CHECK_TRANSFER is asked about single orders (indexed by
-- domain in transfer_orders) far more than about bulk-transferred domains.
SELECT 1;
