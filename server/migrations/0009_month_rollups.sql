-- Monthly rollups of the per-key lists (issue 20's quarter target): the report's query lists
-- and articles summed `rollup_queries` and `rollup_feedback`, one row per day, key and
-- shard, so a quarter read ~181,000 rows at 10 M events and the cost grew with the
-- window's days. These tables hold the same counters per calendar month (`month` is
-- `YYYY-MM`, UTC); the report reads whole months here, the days outside them from the day
-- tables and only partial edge days raw (server/src/report_rollups.rs). The writer adds to
-- both in the transaction that stores the events (server/src/rollup.rs), erasure subtracts
-- from both, retention deletes from neither. Same SQL on SQLite and PostgreSQL; this fills
-- them from the day tables, so an existing database upgrades in place.
CREATE TABLE rollup_queries_month (
    month          TEXT NOT NULL,
    query_norm     TEXT NOT NULL,
    shard          BIGINT NOT NULL,
    searches       BIGINT NOT NULL,
    zero_results   BIGINT NOT NULL,
    no_good_answer BIGINT NOT NULL,
    PRIMARY KEY (month, query_norm, shard)
);

CREATE TABLE rollup_feedback_month (
    month      TEXT NOT NULL,
    article_id TEXT NOT NULL,
    helpful    BIGINT NOT NULL,
    reason     TEXT NOT NULL,
    shard      BIGINT NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (month, article_id, helpful, reason, shard)
);

INSERT INTO rollup_queries_month (month, query_norm, shard, searches, zero_results, no_good_answer)
SELECT substr(day, 1, 7), query_norm, shard, SUM(searches), SUM(zero_results), SUM(no_good_answer)
FROM rollup_queries GROUP BY substr(day, 1, 7), query_norm, shard;

INSERT INTO rollup_feedback_month (month, article_id, helpful, reason, shard, n)
SELECT substr(day, 1, 7), article_id, helpful, reason, shard, SUM(n)
FROM rollup_feedback GROUP BY substr(day, 1, 7), article_id, helpful, reason, shard;
