-- One row per range of missing seqs. Created `pending` by the queue worker from the gaps an
-- ACK reported (source auto), by POST /replay (manual) or by a queue flush (flush); the replay
-- worker moves it to `completed` or, past its deadline, `failed`.
CREATE TABLE replay_requests (
  id              BIGSERIAL PRIMARY KEY,
  service         TEXT        NOT NULL,
  from_seq        BIGINT      NOT NULL,
  to_seq          BIGINT      NOT NULL CHECK (to_seq >= from_seq),
  status          TEXT        NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'completed', 'failed')),
  source          TEXT        NOT NULL DEFAULT 'auto'
                  CHECK (source IN ('auto', 'manual', 'flush')),
  batch_id        TEXT,        -- the ACK that reported the gap (auto); NULL otherwise
  attempts        INTEGER     NOT NULL DEFAULT 0,
  recovered_count BIGINT      NOT NULL DEFAULT 0,
  lost_count      BIGINT      NOT NULL DEFAULT 0,
  latency_ms      BIGINT,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  completed_at    TIMESTAMPTZ
);
-- A queue entry redelivered after a worker crash must not create its gaps twice.
CREATE UNIQUE INDEX replay_requests_batch_range ON replay_requests (batch_id, service, from_seq)
  WHERE batch_id IS NOT NULL;
CREATE INDEX replay_requests_status ON replay_requests (status, created_at);
CREATE INDEX replay_requests_service ON replay_requests (service, from_seq);
