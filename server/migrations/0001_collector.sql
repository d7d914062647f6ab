-- Deflect collector schema, version 1.
-- Portable between SQLite and PostgreSQL: TEXT ids, BIGINT epoch milliseconds, booleans
-- as BIGINT 0/1. Statements are separated by semicolons at the end of a line.

CREATE TABLE events (
    id          TEXT PRIMARY KEY,
    journey_id  TEXT NOT NULL,
    at_ms       BIGINT NOT NULL,
    day         TEXT NOT NULL,
    received_ms BIGINT NOT NULL,
    type        TEXT NOT NULL,
    query       TEXT,
    query_norm  TEXT,
    results     BIGINT,
    article_id  TEXT,
    dwell_ms    BIGINT,
    helpful     BIGINT,
    reason      TEXT,
    case_id     TEXT,
    outcome     TEXT,
    payload     TEXT NOT NULL
);

CREATE INDEX events_type_at ON events (type, at_ms);

CREATE INDEX events_journey ON events (journey_id);

CREATE TABLE cases (
    id                TEXT PRIMARY KEY,
    journey_id        TEXT NOT NULL,
    created_ms        BIGINT NOT NULL,
    received_ms       BIGINT NOT NULL,
    subject           TEXT NOT NULL,
    email             TEXT NOT NULL,
    customer_category TEXT NOT NULL,
    vendor_category   TEXT,
    classified_ms     BIGINT,
    payload           TEXT NOT NULL
);

CREATE INDEX cases_created ON cases (created_ms);

-- One row per stored case, written in the same transaction as the case. A worker claims a
-- due row by setting a lease (owner + expiry) with a conditional UPDATE, so two collector
-- instances never deliver the same row at once; a crashed owner's lease simply expires.
CREATE TABLE outbox (
    case_id         TEXT PRIMARY KEY,
    created_ms      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_ms BIGINT NOT NULL,
    lease_owner     TEXT,
    lease_until_ms  BIGINT,
    delivered_ms    BIGINT,
    last_error      TEXT
);

CREATE INDEX outbox_due ON outbox (delivered_ms, next_attempt_ms);
