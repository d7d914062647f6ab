-- PostgreSQL layout for volume: events partitioned by month of at_ms (the customer's
-- clock, which every report window and rollup day is cut by), one table per month named
-- events_YYYY_MM plus a default partition for anything outside the months created (a
-- client clock far off, or a late event for a month already dropped). Retention drops a
-- month whole once every row in it is past the cutoff (server/src/partitions.rs) and
-- deletes rows for the rest.
--
-- The key becomes (id, at_ms): a unique index on a partitioned table must contain the
-- partition key. A retried event carries its id and its timestamp again, so retries are
-- still stored once; an id reused with another timestamp is stored as another event.
--
-- The existing table is upgraded in place: renamed, its rows copied into the partitioned
-- table (every column by name), then dropped, all in this migration's transaction.

ALTER TABLE events RENAME TO events_before_partitioning;

ALTER INDEX events_pkey RENAME TO events_before_partitioning_pkey;

ALTER INDEX events_type_at RENAME TO events_before_partitioning_type_at;

ALTER INDEX events_journey RENAME TO events_before_partitioning_journey;

ALTER INDEX events_received RENAME TO events_before_partitioning_received;

ALTER INDEX events_at RENAME TO events_before_partitioning_at;

CREATE TABLE events (
    id          TEXT NOT NULL,
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
    payload     TEXT NOT NULL,
    good_answer BIGINT,
    PRIMARY KEY (id, at_ms)
) PARTITION BY RANGE (at_ms);

CREATE TABLE events_default PARTITION OF events DEFAULT;

-- The report's edge days (at_ms), the raw report's per-type scans, the purge's cutoff
-- (received_ms) and a journey's events; each is created on every partition.
CREATE INDEX events_at ON events (at_ms);

CREATE INDEX events_type_at ON events (type, at_ms);

CREATE INDEX events_journey ON events (journey_id);

CREATE INDEX events_received ON events (received_ms);

-- Creates the partition of the month that starts at `month_start` unless it exists,
-- moving that month's rows out of the default partition first (PostgreSQL refuses a new
-- partition whose range the default partition holds rows of).
CREATE FUNCTION deflect_event_partition(month_start DATE) RETURNS BOOLEAN
LANGUAGE plpgsql AS $$
DECLARE
    part TEXT := 'events_' || to_char(month_start, 'YYYY_MM');
    lo BIGINT := (extract(epoch FROM month_start::timestamp) * 1000)::BIGINT;
    hi BIGINT := (extract(epoch FROM (month_start + INTERVAL '1 month')::timestamp) * 1000)::BIGINT;
BEGIN
    -- Instances starting together serialize here instead of racing to CREATE TABLE.
    PERFORM pg_advisory_xact_lock(4242002);
    IF to_regclass(part) IS NOT NULL THEN
        RETURN FALSE;
    END IF;
    CREATE TEMP TABLE deflect_moving AS
        SELECT * FROM events_default WHERE at_ms >= lo AND at_ms < hi;
    DELETE FROM events_default WHERE at_ms >= lo AND at_ms < hi;
    EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%s) TO (%s)',
                   part, lo, hi);
    INSERT INTO events SELECT * FROM deflect_moving;
    DROP TABLE deflect_moving;
    RETURN TRUE;
END
$$;

-- Partitions for every month from `from_ms` to `to_ms` (both inclusive); how many were new.
CREATE FUNCTION deflect_event_partitions(from_ms BIGINT, to_ms BIGINT) RETURNS INTEGER
LANGUAGE plpgsql AS $$
DECLARE
    m DATE := date_trunc('month', to_timestamp(from_ms / 1000.0) AT TIME ZONE 'UTC')::DATE;
    last DATE := date_trunc('month', to_timestamp(to_ms / 1000.0) AT TIME ZONE 'UTC')::DATE;
    created INTEGER := 0;
BEGIN
    WHILE m <= last LOOP
        IF deflect_event_partition(m) THEN
            created := created + 1;
        END IF;
        m := (m + INTERVAL '1 month')::DATE;
    END LOOP;
    RETURN created;
END
$$;

-- A partition for every month that holds rows, and from last month to three ahead.
SELECT deflect_event_partition(m) FROM (
    SELECT DISTINCT date_trunc('month', to_timestamp(at_ms / 1000.0) AT TIME ZONE 'UTC')::DATE AS m
    FROM events_before_partitioning
    WHERE at_ms BETWEEN -62135596800000 AND 253402300799999
) months;

SELECT deflect_event_partitions(
    (extract(epoch FROM now()) * 1000)::BIGINT - 2678400000,
    (extract(epoch FROM now()) * 1000)::BIGINT + 8035200000);

INSERT INTO events (id, journey_id, at_ms, day, received_ms, type, query, query_norm, results,
                    article_id, dwell_ms, helpful, reason, case_id, outcome, payload, good_answer)
SELECT id, journey_id, at_ms, day, received_ms, type, query, query_norm, results,
       article_id, dwell_ms, helpful, reason, case_id, outcome, payload, good_answer
FROM events_before_partitioning;

DROP TABLE events_before_partitioning;

ANALYZE events;
