-- Up Migration
-- An investigation reads the hour of log lines before its baseline grouped by service and by the
-- line with its digit and hex runs blanked (historyLogGroups). Grouping the raw lines at read time
-- ran a regular expression over every line of the hour on every investigation: seconds on a
-- shared machine, past the query's budget. The same groups are kept per minute as the lines are
-- stored, by a statement trigger over each insert's (or COPY's) new rows, with the very
-- expressions the read used, so a read of whole minutes sums rows instead of matching lines.
CREATE TABLE rollup_log_lines (
  bucket timestamptz NOT NULL, -- the minute
  service_id integer NOT NULL,
  line_key bytea NOT NULL, -- md5 of the blanked line (the line itself may be too long to index)
  line text NOT NULL, -- the group's least line (of the 2,000 characters kept)
  lines bigint NOT NULL,
  PRIMARY KEY (service_id, line_key, bucket)
) PARTITION BY RANGE (bucket);
CREATE INDEX rollup_log_lines_bucket ON rollup_log_lines USING brin (bucket);

INSERT INTO telemetry_partitioned_tables VALUES ('rollup_log_lines', '1 day', 'rollup');

-- The group of a stored line; historyLogGroups groups the lines of partial minutes by it too.
CREATE FUNCTION log_line_text(body text, body_value jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN left(coalesce(body, body_value::text, ''), 2000);

CREATE FUNCTION log_line_key(line text) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN decode(md5(regexp_replace(line, '[0-9a-fA-F]*[0-9][0-9a-fA-F]*', '0', 'g')), 'hex');

-- Rows in key order, so concurrent writers lock rollup rows in one order (no deadlock). Minutes
-- are UTC minutes, as the reader cuts its window.
CREATE FUNCTION roll_up_log_lines() RETURNS trigger
LANGUAGE plpgsql SET timezone = 'UTC' AS $$
BEGIN
  INSERT INTO rollup_log_lines AS t (bucket, service_id, line_key, line, lines)
  SELECT bucket, service_id, log_line_key(line), min(line), count(*)
    FROM (SELECT date_trunc('minute', time) AS bucket, service_id,
                 log_line_text(body, body_value) AS line
            FROM new_logs) l
   GROUP BY service_id, log_line_key(line), bucket
   ORDER BY service_id, log_line_key(line), bucket
  ON CONFLICT (service_id, line_key, bucket)
    DO UPDATE SET line = least(t.line, EXCLUDED.line), lines = t.lines + EXCLUDED.lines;
  RETURN NULL;
END $$;

CREATE TRIGGER logs_roll_up_lines AFTER INSERT ON logs
  REFERENCING NEW TABLE AS new_logs
  FOR EACH STATEMENT EXECUTE FUNCTION roll_up_log_lines();

SELECT ensure_telemetry_partitions(now() - interval '2 hours', now() + interval '1 day');

-- The lines stored in the last two hours (the history an investigation reads now) are rolled up
-- here; older ones are past any investigation's hour and are left to retention.
INSERT INTO rollup_log_lines (bucket, service_id, line_key, line, lines)
SELECT bucket, service_id, log_line_key(line), min(line), count(*)
  FROM (SELECT date_trunc('minute', time) AS bucket, service_id,
               log_line_text(body, body_value) AS line
          FROM logs WHERE time >= date_trunc('minute', now() - interval '2 hours')) l
 GROUP BY service_id, log_line_key(line), bucket;

-- Down Migration
DROP TRIGGER logs_roll_up_lines ON logs;
DROP FUNCTION roll_up_log_lines();
DROP FUNCTION log_line_key(text);
DROP FUNCTION log_line_text(text, jsonb);
DELETE FROM telemetry_partitioned_tables WHERE table_name = 'rollup_log_lines';
DROP TABLE rollup_log_lines;
