-- Up Migration
-- One row per run of the heartbeat workflow: proves Schedule → workflow → activity → PostgreSQL.
CREATE TABLE heartbeat (
  workflow_id text NOT NULL,
  run_id text NOT NULL,
  scheduled_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workflow_id, run_id)
);

-- Down Migration
DROP TABLE heartbeat;
