-- A zone map of logs: per minute of ingested_at and per writing session, the lowest and highest
-- ts stored. GET /logs with a ts window that has an end bounds ingested_at by the zones that
-- overlap the window (query/sql.h, zone_bound), so the walk newest first along (ingested_at, id)
-- starts at the window's newest rows instead of the table's (BENCHMARKS.md, "Search on 10 M
-- partitioned rows"). docs/PROTOCOL.md, "Retention", says why.
--
-- Kept by a statement-level trigger on logs, so every row any writer commits (the worker's
-- COPY, the stage's INSERT ... ON CONFLICT, a hand-made INSERT) is covered by its zone in the
-- same transaction: one upsert per statement, one row per minute the statement touched. The
-- key includes the writer (pg_backend_pid()), so two workers' transactions never wait on each
-- other's zone row; a query takes the union of the writers' spans.
CREATE TABLE logs_ts_zones (
  minute TIMESTAMPTZ NOT NULL,  -- date_trunc('minute', ingested_at)
  writer INT         NOT NULL,  -- pg_backend_pid() of the writing session
  min_ts TIMESTAMPTZ NOT NULL,
  max_ts TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (minute, writer)
);

-- The rows already stored: one zone per minute (writer 0).
INSERT INTO logs_ts_zones (minute, writer, min_ts, max_ts)
SELECT date_trunc('minute', ingested_at), 0, min(ts), max(ts) FROM logs GROUP BY 1;

CREATE FUNCTION logs_ts_zones_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO logs_ts_zones AS z (minute, writer, min_ts, max_ts)
  SELECT date_trunc('minute', ingested_at), pg_backend_pid(), min(ts), max(ts)
  FROM new_rows GROUP BY 1
  ON CONFLICT (minute, writer) DO UPDATE SET
    min_ts = least(z.min_ts, EXCLUDED.min_ts), max_ts = greatest(z.max_ts, EXCLUDED.max_ts);
  RETURN NULL;
END
$$;

CREATE TRIGGER logs_ts_zones_add AFTER INSERT ON logs
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION logs_ts_zones_add();
