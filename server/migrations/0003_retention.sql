-- Retention purges by the collector's own clock (received_ms: a client's clock cannot make
-- its rows live longer or die sooner), in bounded batches that need these indexes.

CREATE INDEX events_received ON events (received_ms);

CREATE INDEX cases_received ON cases (received_ms);
