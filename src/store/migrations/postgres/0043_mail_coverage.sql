-- Issue 33: the Email API's coverage, as OPS calls have theirs (issue 20):
-- calls of one company by method and outcome (200, or the error number),
-- counted by the journal's flusher.
CREATE TABLE mail_coverage (
    company_id  BIGINT NOT NULL REFERENCES mail_companies(id) ON DELETE CASCADE,
    method      TEXT NOT NULL,
    outcome     BIGINT NOT NULL,
    calls       BIGINT NOT NULL,
    last_at     BIGINT NOT NULL,
    PRIMARY KEY (company_id, method, outcome)
);
