-- Issue 30: a registration of a name with a trademark claim waits for its
-- registrant to accept the claims notice, as OpenSRS's does (SW_REGISTER answers
-- 260, async_reason has_claim). The notice's link token is kept only as its
-- SHA-256; the order is cancelled if nobody answers within 48 hours.
CREATE TABLE claim_notices (
    token_hash   TEXT PRIMARY KEY,
    order_id     BIGINT NOT NULL,
    reseller_id  BIGINT NOT NULL REFERENCES resellers(id) ON DELETE CASCADE,
    domain       TEXT NOT NULL,
    email        TEXT NOT NULL,
    csrf         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    answered_at  BIGINT,
    decision     TEXT
);
CREATE INDEX claim_notices_by_order ON claim_notices (order_id);
