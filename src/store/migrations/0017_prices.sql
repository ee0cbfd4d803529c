-- Issue 18: the price list, per TLD and order type, in cents; a TLD or type without
-- a row has the sandbox's default price (rules::price).
CREATE TABLE prices (
    tld     TEXT NOT NULL,          -- lower case, without the dot; '*' for every TLD
    kind    TEXT NOT NULL,          -- transfer (new, renewal with issue 19)
    cents   INTEGER NOT NULL,
    PRIMARY KEY (tld, kind)
) WITHOUT ROWID;
