-- `logs` partitioned by ingest time, so that retention removes whole chunks (a partition is
-- detached concurrently, then dropped: no row-by-row DELETE) while the worker keeps writing.
-- docs/PROTOCOL.md, "Retention", says why it is built this way.
--
-- ingested_at is no longer the commit time but the time the batch was accepted and queued:
-- the queue entry's `at`, which the worker writes into every row of the entry. A redelivered
-- entry therefore lands in the partition it landed in the first time, and meets the unique key
-- there. A unique constraint of a partitioned table must include the partition key, so
-- exactly-once is per partition: every partition has its own UNIQUE (service, seq), created
-- with it by logs_add_partitions below. A seq never reaches two partitions: the Redis ACK state
-- enqueues each (service, seq) once, and the two ways a seq is queued again are guarded of
-- their own (a dead letter is re-queued against its row in dead_letters; a queue entry older
-- than retention is not stored at all: worker/pg_writer.cpp).
--
-- GET /logs pages newest first by (ingested_at, id), the partition key first: Postgres then
-- reads the partitions one after the other, newest first, and stops at a full page. (By id
-- alone it would start a scan in every partition at once, and a partition without a match
-- would be read to its end before the first row came back.) The index that serves it,
-- (ingested_at, id), takes the place of the primary key on id: ids stay unique (one sequence)
-- and nothing looks rows up by id.
--
-- The existing table becomes the first partition, logs_legacy, for every ingest time before
-- this migration: its rows and its UNIQUE (service, seq) stay as they are; the attach reads the
-- table once to check the bound and builds its (ingested_at, id) indexes (about half a minute
-- per 10 M rows). Entries queued before the upgrade carry an `at` before the bound, so a
-- redelivered one still meets its rows there.

ALTER TABLE logs RENAME TO logs_legacy;
ALTER INDEX logs_pkey RENAME TO logs_legacy_pkey;
ALTER INDEX logs_service_seq_key RENAME TO logs_legacy_service_seq_key;
DROP INDEX logs_problems_id;  -- by id: replaced below

CREATE TABLE logs (
  id          BIGINT      NOT NULL DEFAULT nextval('logs_id_seq'),
  service     TEXT        NOT NULL,
  seq         BIGINT      NOT NULL,
  level       TEXT        NOT NULL,
  message     TEXT        NOT NULL,
  request_id  TEXT,
  ts          TIMESTAMPTZ NOT NULL,
  attrs       JSONB,
  ingested_at TIMESTAMPTZ NOT NULL DEFAULT now()
) PARTITION BY RANGE (ingested_at);
-- The sequence outlives the legacy partition (retention drops it one day).
ALTER SEQUENCE logs_id_seq OWNED BY logs.id;
-- Newest first, in each partition (GET /logs' order).
CREATE INDEX logs_ingested_id ON logs (ingested_at, id);
-- 0005's partial index in that order: error and fatal pages (about 2 % of the rows).
CREATE INDEX logs_problems ON logs (ingested_at, id) WHERE level IN ('error', 'fatal');

DO $$
BEGIN
  EXECUTE format('ALTER TABLE logs ATTACH PARTITION logs_legacy FOR VALUES FROM (MINVALUE) TO (%L)',
                 date_trunc('second', now()) + interval '1 second');
END
$$;

-- Per service, the highest seq retention has removed. The audit counts every seq at or below
-- it as accounted for (expired, never lost).
CREATE TABLE logs_expired (
  service      TEXT PRIMARY KEY,
  expired_till BIGINT      NOT NULL,
  updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One row: retention has removed (or is removing) every row ingested before expired_before;
-- NULL while it has removed nothing. GET /logs reports it; the worker stores no row older.
CREATE TABLE logs_retention (
  singleton      BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
  expired_before TIMESTAMPTZ
);
INSERT INTO logs_retention DEFAULT VALUES;

-- Chunks whose removal has begun (the detach is concurrent, so not in the drop's transaction):
-- a process that dies half-way leaves its row here, and the next pass finishes the removal.
CREATE TABLE logs_chunk_drops (
  name       TEXT PRIMARY KEY,
  to_at      TIMESTAMPTZ NOT NULL,
  started_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The partitions of logs with their bounds (NULL for MINVALUE) and whether a
-- DETACH ... CONCURRENTLY of theirs is under way.
CREATE FUNCTION logs_partitions()
RETURNS TABLE (name TEXT, from_at TIMESTAMPTZ, to_at TIMESTAMPTZ, detaching BOOLEAN)
LANGUAGE sql STABLE AS $$
  SELECT c.relname::text,
         (regexp_match(b.bound, 'FROM \(''([^'']+)''\)'))[1]::timestamptz,
         (regexp_match(b.bound, 'TO \(''([^'']+)''\)'))[1]::timestamptz,
         i.inhdetachpending
  FROM pg_inherits i
  JOIN pg_class c ON c.oid = i.inhrelid
  CROSS JOIN LATERAL (SELECT pg_get_expr(c.relpartbound, c.oid) AS bound) b
  WHERE i.inhparent = 'logs'::regclass
$$;

-- Makes every ingest time before `until` fall in a partition, going on from the newest one
-- (with none, from `since`, or the present): partitions of `chunk`, aligned to multiples of it
-- since the epoch. A stretch of more than 1 000 chunks (a backend stopped for long, a clock
-- far ahead) is one partition instead, up to the present or to `until`. Each partition is
-- created on its own, with the CHECK constraints of logs (an attach requires them) and UNIQUE
-- (service, seq), and then attached, which gives it the indexes of logs: an attach needs only
-- SHARE UPDATE EXCLUSIVE on logs, so the worker's COPY and the queries go on (CREATE TABLE ...
-- PARTITION OF would wait for them, and stop them, with ACCESS EXCLUSIVE). Serialised across
-- processes by an advisory lock. Returns the end of the newest partition.
CREATE FUNCTION logs_add_partitions(chunk INTERVAL, until TIMESTAMPTZ, since TIMESTAMPTZ DEFAULT NULL)
RETURNS TIMESTAMPTZ LANGUAGE plpgsql AS $$
DECLARE
  hi      TIMESTAMPTZ;
  present TIMESTAMPTZ := date_bin(chunk, now(), TIMESTAMPTZ 'epoch');
  next    TIMESTAMPTZ;
  part    TEXT;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('tracehub.logs_partitions'));
  SELECT max(p.to_at) INTO hi FROM logs_partitions() p;
  IF hi IS NULL THEN
    hi := date_bin(chunk, coalesce(since, now()), TIMESTAMPTZ 'epoch');
  END IF;
  WHILE hi < until LOOP
    next := date_bin(chunk, hi, TIMESTAMPTZ 'epoch') + chunk;
    IF hi < present AND present - hi > 1000 * chunk THEN
      next := present;
    ELSIF hi >= present AND until - hi > 1000 * chunk THEN
      next := date_bin(chunk, until, TIMESTAMPTZ 'epoch') + chunk;
    END IF;
    part := 'logs_' || to_char(hi AT TIME ZONE 'UTC', 'YYYYMMDD"t"HH24MISS');
    EXECUTE format('CREATE TABLE %I (LIKE logs INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
    EXECUTE format('ALTER TABLE %I ADD UNIQUE (service, seq)', part);
    EXECUTE format('ALTER TABLE logs ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                   part, hi, next);
    hi := next;
  END LOOP;
  RETURN hi;
END
$$;

-- The last step of removing a chunk, in one transaction: `part`, already detached from logs,
-- has its highest seq per service folded into logs_expired (found through its
-- UNIQUE (service, seq) index, two probes per service: the rows are not read), then it is
-- dropped and its logs_chunk_drops row deleted. Returns the number of services recorded.
CREATE FUNCTION logs_drop_detached(part TEXT)
RETURNS INT LANGUAGE plpgsql AS $$
DECLARE
  n INT;
BEGIN
  IF to_regclass(quote_ident(part)) IS NULL THEN  -- dropped already, by hand
    DELETE FROM logs_chunk_drops WHERE name = part;
    RETURN 0;
  END IF;
  EXECUTE format(
    'INSERT INTO logs_expired AS e (service, expired_till) '
    'WITH RECURSIVE s(service) AS ('
    '  (SELECT service FROM %1$I ORDER BY service LIMIT 1) '
    '  UNION ALL '
    '  SELECT (SELECT x.service FROM %1$I x WHERE x.service > s.service ORDER BY x.service LIMIT 1) '
    '  FROM s WHERE s.service IS NOT NULL) '
    'SELECT s.service, (SELECT max(x.seq) FROM %1$I x WHERE x.service = s.service) '
    'FROM s WHERE s.service IS NOT NULL '
    'ON CONFLICT (service) DO UPDATE SET '
    '  expired_till = greatest(e.expired_till, EXCLUDED.expired_till), updated_at = now()',
    part);
  GET DIAGNOSTICS n = ROW_COUNT;
  EXECUTE format('DROP TABLE %I', part);
  DELETE FROM logs_chunk_drops WHERE name = part;
  RETURN n;
END
$$;
