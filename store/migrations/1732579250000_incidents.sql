-- Up Migration
-- The durable record of every incident, written by the incident workflow at each status change.
CREATE TABLE incident (
  incident_id text PRIMARY KEY,
  fingerprint text NOT NULL,
  service text NOT NULL,
  services text[] NOT NULL,
  status text NOT NULL,
  severity text NOT NULL,
  opened_at timestamptz NOT NULL,
  last_anomaly_at timestamptz NOT NULL,
  anomaly_count integer NOT NULL,
  root_cause jsonb,
  runbook text,
  resolution text,
  top_anomalies jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX incident_open_idx ON incident (status) WHERE status NOT IN ('resolved', 'closed');

-- Down Migration
DROP TABLE incident;
