-- Up Migration
-- Alerts received from Alertmanager (or the generic alert webhook), one row per alert identity
-- (tenant and fingerprint). A row keeps its latest state; each return to firing is a new
-- episode, and the time of the resolution before it tells a flapping alert from a new fault.
CREATE TABLE alert (
  tenant text NOT NULL DEFAULT '',
  fingerprint text NOT NULL,
  source text NOT NULL,
  alertname text,
  -- The service the label mapping rules found; null when none matched (kept, never scored).
  service text,
  severity text,
  status text NOT NULL CHECK (status IN ('firing', 'resolved')),
  labels jsonb NOT NULL,
  annotations jsonb NOT NULL,
  generator_url text,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz,
  episodes integer NOT NULL DEFAULT 1,
  -- When we first heard of the current firing episode.
  fired_at timestamptz NOT NULL,
  -- When we heard the current episode resolved (null while it fires).
  resolved_at timestamptz,
  -- When the episode before the current one ended (null for the first).
  previous_resolved_at timestamptz,
  last_received_at timestamptz NOT NULL,
  PRIMARY KEY (tenant, fingerprint)
);
CREATE INDEX alert_fired_at ON alert (fired_at);
CREATE INDEX alert_firing ON alert (status) WHERE status = 'firing';

-- Down Migration
DROP TABLE alert;
