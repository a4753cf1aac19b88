-- Rows Postgres refused for a data reason (docs/PROTOCOL.md, "Dead letters"). The worker
-- isolates each refused row of a transaction and records it here in the same transaction as
-- the good rows it stored, so a seq is in `logs` or here, never lost silently and never both.
-- `row_data` is the COPY text row exactly as the queue entry carried it (bytea: it is kept
-- even when the database could not take it as text). A retry re-queues the row; when it is
-- stored at last, `resolved_at` is set in that transaction (the record stays: the count of
-- dead letters ever recorded only grows).
CREATE TABLE dead_letters (
  id         BIGSERIAL   PRIMARY KEY,
  service    TEXT        NOT NULL,
  seq        BIGINT      NOT NULL,
  row_data   BYTEA       NOT NULL,
  reason     TEXT        NOT NULL,
  first_seen TIMESTAMPTZ NOT NULL DEFAULT now(),
  last_seen  TIMESTAMPTZ NOT NULL DEFAULT now(),
  attempts   INTEGER     NOT NULL DEFAULT 1,
  resolved_at TIMESTAMPTZ,
  UNIQUE (service, seq)
);
