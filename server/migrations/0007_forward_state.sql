-- Forward state per case (issue 19): the helpdesk's id for what a delivery created (ticket,
-- conversation, Message-ID), and parking. A parked row was refused for good by the
-- helpdesk (wrong credentials, a field it rejects): it is never claimed again, and
-- parked_reason keeps the helpdesk's own message for the report. Numbered 7: versions 5
-- and 6 belong to another branch; the runner applies whatever is not recorded yet.
ALTER TABLE outbox ADD COLUMN remote_id TEXT;
ALTER TABLE outbox ADD COLUMN parked_ms BIGINT;
ALTER TABLE outbox ADD COLUMN parked_reason TEXT;
