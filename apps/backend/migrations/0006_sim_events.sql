-- Every fault-injection command as applied (POST /metrics/control), for the queue page's
-- timeline and for the record: what was done, with which parameters, until when.
CREATE TABLE sim_events (
  id         BIGSERIAL PRIMARY KEY,
  action     TEXT        NOT NULL,
  params     JSONB       NOT NULL DEFAULT '{}'::jsonb,
  applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  until      TIMESTAMPTZ
);
CREATE INDEX sim_events_applied_at ON sim_events (applied_at DESC);
