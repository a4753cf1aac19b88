-- A BRIN index on ts, on every partition of logs (BENCHMARKS.md, "GET /logs on 10 M rows").
-- Rows are written in about the order of their ts, so each range of table pages holds a narrow
-- span of ts and the index (a few kB per million rows) tells a time window's pages from the
-- others: an old window is read from its own pages instead of walking the primary key from the
-- newest row (query/page_plan.h chooses). Nearly free to maintain: one summary per 128 pages,
-- brought up to date as ranges fill (autosummarize), not one index entry per row.
CREATE INDEX logs_ts_brin ON logs USING brin (ts) WITH (autosummarize = on);
