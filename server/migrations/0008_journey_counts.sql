-- Per-day journey counters (issue 20's quarter target): distinct journeys do not add up
-- across days, so until now the report counted `rollup_journeys` (one row per journey and
-- day, 315k rows for a quarter of 10 M events) with a COUNT(DISTINCT) on every request.
-- Now each day keeps, in `rollup_days`, how many journey-day rows it has and how many of
-- them carry each outcome bit; those add up across days except for journeys seen on more
-- than one day, which `rollup_journey_spans` lists (first and last day) so that the report
-- can correct for exactly those few. Both are kept in the transaction that stores the
-- events (server/src/rollup.rs); the erasure of a journey takes its rows back out.
-- Same SQL on SQLite and PostgreSQL.
ALTER TABLE rollup_days ADD COLUMN journeys BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rollup_days ADD COLUMN journeys_resolved BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rollup_days ADD COLUMN journeys_escalated BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rollup_days ADD COLUMN journeys_abandoned BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rollup_days ADD COLUMN journeys_ended BIGINT NOT NULL DEFAULT 0;

-- Journeys with rollup rows on two or more days, and the span of those days.
CREATE TABLE rollup_journey_spans (
    journey_id TEXT PRIMARY KEY,
    first_day  TEXT NOT NULL,
    last_day   TEXT NOT NULL
);

-- The writer reads a journey's other days, the report a spanning journey's rows, the
-- erasure deletes them: all by journey.
CREATE INDEX rollup_journeys_journey ON rollup_journeys (journey_id);

-- Counted into shard 0 of each day (the report sums over shards). `WHERE true`: SQLite's
-- parser needs it between a SELECT and ON CONFLICT.
INSERT INTO rollup_days (day, shard, events, searches, zero_results, no_good_answer,
                         journeys, journeys_resolved, journeys_escalated, journeys_abandoned,
                         journeys_ended)
SELECT day, 0, 0, 0, 0, 0, COUNT(*),
       SUM(CASE WHEN (ended & 1) <> 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN (ended & 2) <> 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN (ended & 4) <> 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN (ended & 8) <> 0 THEN 1 ELSE 0 END)
FROM rollup_journeys WHERE true GROUP BY day
ON CONFLICT (day, shard) DO UPDATE SET journeys = excluded.journeys,
    journeys_resolved = excluded.journeys_resolved,
    journeys_escalated = excluded.journeys_escalated,
    journeys_abandoned = excluded.journeys_abandoned,
    journeys_ended = excluded.journeys_ended;

INSERT INTO rollup_journey_spans (journey_id, first_day, last_day)
SELECT journey_id, MIN(day), MAX(day) FROM rollup_journeys
GROUP BY journey_id HAVING COUNT(*) > 1;
