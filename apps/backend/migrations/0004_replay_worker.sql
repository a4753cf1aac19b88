-- The replay worker's schedule and its verdicts. A pending request is attempted when
-- next_attempt_at has passed; past its deadline it fails and its still-missing seqs are
-- recorded here as lost, range by range, so "was seq N lost?" is one indexed lookup.
ALTER TABLE replay_requests ADD COLUMN next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now();
CREATE INDEX replay_requests_due ON replay_requests (next_attempt_at) WHERE status = 'pending';

CREATE TABLE lost_seqs (
  id                BIGSERIAL PRIMARY KEY,
  service           TEXT        NOT NULL,
  from_seq          BIGINT      NOT NULL,
  to_seq            BIGINT      NOT NULL CHECK (to_seq >= from_seq),
  replay_request_id BIGINT      REFERENCES replay_requests (id) ON DELETE SET NULL,
  reason            TEXT        NOT NULL,
  recorded_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX lost_seqs_service ON lost_seqs (service, from_seq);
