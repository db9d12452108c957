-- Up Migration
-- An investigation loads every span, log line and metric point of a window of minutes by time
-- alone; without an index leading with the time each query read its whole hourly partition.
-- BRIN, not B-tree: rows arrive in time order, so block ranges map to time ranges, and the
-- index costs the ingest's COPY almost nothing (a few pages per partition).
CREATE INDEX spans_start_time_brin ON spans USING brin (start_time);
CREATE INDEX logs_time_brin ON logs USING brin (time);
CREATE INDEX metric_points_time_brin ON metric_points USING brin (time);

-- Down Migration
DROP INDEX metric_points_time_brin;
DROP INDEX logs_time_brin;
DROP INDEX spans_start_time_brin;
