-- Up Migration
-- Streaming detector state per series, so each detection pass resumes where the last one ended.
CREATE TABLE detector_state (
  series_key text PRIMARY KEY,
  state jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per detection pass (keyed by its workflow run): the end of the window it scored and
-- its result, committed with the detector state so a retried pass returns the same result
-- instead of skipping or rescoring its window.
CREATE TABLE detection_pass (
  pass_id text PRIMARY KEY,
  window_end timestamptz NOT NULL,
  result jsonb NOT NULL,
  finished_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX detection_pass_window_end ON detection_pass (window_end DESC);

-- Down Migration
DROP TABLE detection_pass;
DROP TABLE detector_state;
