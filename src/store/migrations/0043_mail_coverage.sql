-- Issue 33: the Email API's coverage, as OPS calls have theirs (issue 20):
-- calls of one company by method and outcome (200, or the error number),
-- counted by the journal's flusher.
CREATE TABLE mail_coverage (
    company_id  INTEGER NOT NULL REFERENCES mail_companies(id) ON DELETE CASCADE,
    method      TEXT NOT NULL,
    outcome     INTEGER NOT NULL,
    calls       INTEGER NOT NULL,
    last_at     INTEGER NOT NULL,
    PRIMARY KEY (company_id, method, outcome)
) WITHOUT ROWID;
