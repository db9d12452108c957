-- Up Migration
-- Log records are tagged with their template at ingest. The ingest process owns the miner; its
-- state is saved (versioned, so an older snapshot never overwrites a newer one) before any row
-- carrying a new template id commits, so stored ids always resolve after a restart.
ALTER TABLE logs ADD COLUMN template_id text;

ALTER TABLE log_miner_state ADD COLUMN version bigint NOT NULL DEFAULT 0;

ALTER TABLE log_templates
  ADD COLUMN severity_number smallint NOT NULL DEFAULT 0, -- of the record that created it
  ADD COLUMN novel boolean NOT NULL DEFAULT false, -- created after the miner warmed up
  ADD COLUMN merged_into text; -- set when a later generalization folded it into another
CREATE INDEX log_templates_first_seen ON log_templates (first_seen);

-- Down Migration
DROP INDEX log_templates_first_seen;
ALTER TABLE log_templates DROP COLUMN merged_into, DROP COLUMN novel, DROP COLUMN severity_number;
ALTER TABLE log_miner_state DROP COLUMN version;
ALTER TABLE logs DROP COLUMN template_id;
