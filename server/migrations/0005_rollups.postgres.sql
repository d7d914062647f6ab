-- PostgreSQL variant: only the UTC day of a case differs (server/migrations/0005_rollups.sqlite.sql).
-- Daily rollups: per-day aggregates of everything the report shows, so that a report over
-- months reads a few thousand rows instead of every event, and so that the daily figures
-- outlive the raw events that retention deletes. They are maintained in the same
-- transaction that stores the events or the case (server/src/rollup.rs), from exactly the
-- rows that insert stored: a duplicate (already stored) adds nothing, a late event adds to
-- its own day whenever it arrives. This migration fills them from the rows already stored.
--
-- `shard` spreads PostgreSQL's row locks: every transaction of a day would otherwise update
-- the same counter row and wait for the previous commit. SQLite has one writer and uses 0.
-- The report sums over shards.

CREATE TABLE rollup_days (
    day            TEXT NOT NULL,
    shard          BIGINT NOT NULL,
    events         BIGINT NOT NULL,
    searches       BIGINT NOT NULL,
    zero_results   BIGINT NOT NULL,
    no_good_answer BIGINT NOT NULL,
    PRIMARY KEY (day, shard)
);

-- One row per journey and day with any event of it; `ended` is a bit set of the
-- journey_ended outcomes seen that day (1 resolved, 2 escalated, 4 abandoned, 8 any end).
-- Distinct journeys do not add up across days, so the report counts these rows.
CREATE TABLE rollup_journeys (
    day        TEXT NOT NULL,
    journey_id TEXT NOT NULL,
    ended      BIGINT NOT NULL,
    PRIMARY KEY (day, journey_id)
);

CREATE TABLE rollup_queries (
    day            TEXT NOT NULL,
    query_norm     TEXT NOT NULL,
    shard          BIGINT NOT NULL,
    searches       BIGINT NOT NULL,
    zero_results   BIGINT NOT NULL,
    no_good_answer BIGINT NOT NULL,
    PRIMARY KEY (day, query_norm, shard)
);

-- Feedback per article: helpful 1 with reason '', or helpful 0 with its reason
-- ('unspecified' when the widget sent none).
CREATE TABLE rollup_feedback (
    day        TEXT NOT NULL,
    article_id TEXT NOT NULL,
    helpful    BIGINT NOT NULL,
    reason     TEXT NOT NULL,
    shard      BIGINT NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (day, article_id, helpful, reason, shard)
);

-- Cases by the UTC day of created_ms; vendor_category '' while unclassified. Classifying a
-- case moves it between cells in the same transaction.
CREATE TABLE rollup_cases (
    day               TEXT NOT NULL,
    customer_category TEXT NOT NULL,
    vendor_category   TEXT NOT NULL,
    cases             BIGINT NOT NULL,
    PRIMARY KEY (day, customer_category, vendor_category)
);

-- The report's edge days read raw events by at_ms; this serves every type at once.
CREATE INDEX events_at ON events (at_ms);

INSERT INTO rollup_days (day, shard, events, searches, zero_results, no_good_answer)
SELECT day, 0, COUNT(*),
       SUM(CASE WHEN type = 'search' THEN 1 ELSE 0 END),
       SUM(CASE WHEN type = 'search' AND results = 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN type = 'search' AND results > 0 AND good_answer = 0 THEN 1 ELSE 0 END)
FROM events GROUP BY day;

INSERT INTO rollup_journeys (day, journey_id, ended)
SELECT day, journey_id,
       MAX(CASE WHEN type = 'journey_ended' AND outcome = 'resolved' THEN 1 ELSE 0 END)
     + MAX(CASE WHEN type = 'journey_ended' AND outcome = 'escalated' THEN 2 ELSE 0 END)
     + MAX(CASE WHEN type = 'journey_ended' AND outcome = 'abandoned' THEN 4 ELSE 0 END)
     + MAX(CASE WHEN type = 'journey_ended' THEN 8 ELSE 0 END)
FROM events GROUP BY day, journey_id;

INSERT INTO rollup_queries (day, query_norm, shard, searches, zero_results, no_good_answer)
SELECT day, query_norm, 0, COUNT(*),
       SUM(CASE WHEN results = 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN results > 0 AND good_answer = 0 THEN 1 ELSE 0 END)
FROM events WHERE type = 'search' AND query_norm IS NOT NULL GROUP BY day, query_norm;

INSERT INTO rollup_feedback (day, article_id, helpful, reason, shard, n)
SELECT day, article_id, helpful,
       CASE WHEN helpful = 1 THEN '' ELSE COALESCE(reason, 'unspecified') END, 0, COUNT(*)
FROM events WHERE type = 'feedback' AND article_id IS NOT NULL AND helpful IN (0, 1)
GROUP BY day, article_id, helpful, CASE WHEN helpful = 1 THEN '' ELSE COALESCE(reason, 'unspecified') END;

INSERT INTO rollup_cases (day, customer_category, vendor_category, cases)
SELECT to_char(to_timestamp(created_ms / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD'), customer_category,
       COALESCE(vendor_category, ''), COUNT(*)
FROM cases
GROUP BY to_char(to_timestamp(created_ms / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD'), customer_category,
         COALESCE(vendor_category, '');
