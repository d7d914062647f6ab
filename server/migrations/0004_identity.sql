-- Identity verification: 1 when the case's user id, e-mail and plan carried the vendor
-- backend's HMAC (docs/identity-verification.md), 0 when they did not (unsigned, or the
-- signature did not match). Cases stored before this migration were never verified: 0.
ALTER TABLE cases ADD COLUMN identity_verified BIGINT NOT NULL DEFAULT 0;
