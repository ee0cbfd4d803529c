-- Issue 30: the settings some TLDs give a domain, one row each, set by MODIFY
-- (parkpage_state, the .ca/.it WHOIS display settings, .name forwarding_email,
-- .uk change_ips_tag) and ACTIVATE (.de), read back by GET and the pages. Keys are
-- status::DomainSetting's; a domain's settings go with it.
CREATE TABLE domain_settings (
    domain_id  BIGINT NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (domain_id, key)
);
