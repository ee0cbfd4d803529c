-- Several instances on one database (issue 17): a task is run by the instance that
-- holds its lease. `locked_until` is on the shared clock; a holder renews it while
-- the task runs, and a task whose lease ran out (its holder died) is free again.
ALTER TABLE tasks ADD COLUMN locked_by TEXT;
ALTER TABLE tasks ADD COLUMN locked_until INTEGER;

-- The instances serving on this database, each beating a counter while it runs:
-- an instance that sees no other beating knows every commit is its own.
CREATE TABLE instances (
    name  TEXT PRIMARY KEY,
    beat  INTEGER NOT NULL
);
