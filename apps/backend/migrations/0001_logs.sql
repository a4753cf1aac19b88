-- Every stored log line. (service, seq) is the identity a producer gives a log; the unique
-- constraint is what makes a redelivered queue entry harmless (exactly once).
CREATE TABLE logs (
  id          BIGSERIAL PRIMARY KEY,
  service     TEXT        NOT NULL,
  seq         BIGINT      NOT NULL,
  level       TEXT        NOT NULL,
  message     TEXT        NOT NULL,
  request_id  TEXT,
  ts          TIMESTAMPTZ NOT NULL,
  attrs       JSONB,
  ingested_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (service, seq)
);
