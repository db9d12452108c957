-- Up Migration
-- The tenants whose authenticated telemetry names an incident's services, so the incidents of a
-- shared receiver say whose they are.
ALTER TABLE incident ADD COLUMN tenants text[] NOT NULL DEFAULT '{}';

-- Down Migration
ALTER TABLE incident DROP COLUMN tenants;
