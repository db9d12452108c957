-- Up Migration
-- An investigation reads the hour of operation rollups before its baseline (the latency
-- history) and sums the window's calls to size its span load, both by bucket alone; the
-- primary key leads with the operation, so each read scanned its whole day partition (153k
-- rows for 917 in the bench's replay, and a day of a few hundred operations is millions).
-- BRIN, as for the raw rows: buckets arrive in time order and the ingest's upserts barely pay.
CREATE INDEX rollup_operations_bucket_brin ON rollup_operations USING brin (bucket);

-- Down Migration
DROP INDEX rollup_operations_bucket_brin;
