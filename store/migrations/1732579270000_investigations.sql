-- Up Migration
-- Each investigation's ranked root-cause candidates (all methods), kept out of workflow history.
CREATE TABLE investigation (
  investigation_id text PRIMARY KEY,
  incident_id text,
  baseline_start timestamptz NOT NULL,
  fault_start timestamptz NOT NULL,
  window_end timestamptz NOT NULL,
  trace_sample_ratio double precision NOT NULL,
  spans integer NOT NULL,
  candidates jsonb NOT NULL,
  members jsonb NOT NULL,
  summary jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX investigation_incident ON investigation (incident_id);

-- Down Migration
DROP TABLE investigation;
