-- Search events from widgets that judge their suggestions carry good_answer (1: some
-- suggestion contains the query's most specific word; 0: none does, or there are none).
-- NULL for events from older widgets and for other event types: unknown, never a gap.
ALTER TABLE events ADD COLUMN good_answer BIGINT;
