-- Issue 28: a domain transferred in keeps the date the registry says it was first
-- registered; the analysis notes it beside the domain of the job.
ALTER TABLE transfer_domains ADD COLUMN registered_at INTEGER;
