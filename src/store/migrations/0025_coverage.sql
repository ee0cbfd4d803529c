-- Issue 20: the coverage report. How often each reseller's OPS calls of each
-- action got each response code, counted as the journal is written (the journal
-- itself keeps only recent requests; these counts stay until a reset).
CREATE TABLE coverage (
    reseller_id  INTEGER NOT NULL REFERENCES resellers(id) ON DELETE CASCADE,
    action       TEXT NOT NULL,
    code         INTEGER NOT NULL,
    calls        INTEGER NOT NULL,
    last_at      INTEGER NOT NULL,
    PRIMARY KEY (reseller_id, action, code)
) WITHOUT ROWID;
