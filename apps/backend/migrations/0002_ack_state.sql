-- A durable mirror of the per-service ACK state whose source of truth is Redis (ack:{service},
-- gaps:{service}). The queue worker upserts it in the same transaction as the rows it commits;
-- `version` (a per-service counter bumped by every accepted batch) keeps an older queue entry
-- from overwriting a newer state when several workers commit out of order.
CREATE TABLE ack_state (
  service         TEXT PRIMARY KEY,
  ack_till        BIGINT      NOT NULL,
  contiguous_till BIGINT      NOT NULL,
  missing_total   BIGINT      NOT NULL,
  last_batch_id   TEXT        NOT NULL,
  last_ack_at     TIMESTAMPTZ NOT NULL,
  version         BIGINT      NOT NULL
);
