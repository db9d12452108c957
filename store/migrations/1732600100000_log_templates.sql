-- Up Migration
-- Log template mining state: the online miner's clusters (one row), and every template seen,
-- so template ids stay stable across passes and restarts.
CREATE TABLE log_miner_state (
  id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  state jsonb NOT NULL,
  lines bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE log_templates (
  template_id text PRIMARY KEY,
  service text NOT NULL,
  template text NOT NULL,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL
);

-- Down Migration
DROP TABLE log_templates;
DROP TABLE log_miner_state;
