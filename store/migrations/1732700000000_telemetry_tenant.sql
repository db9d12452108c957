-- Up Migration
-- The tenant an authenticated sender's token names (null: an untenanted token or an open
-- receiver). It is part of the source's identity, so every span, log and metric point, through
-- its source_id, is stored under the tenant that sent it.
ALTER TABLE telemetry_sources ADD COLUMN tenant text;
CREATE INDEX telemetry_sources_tenant ON telemetry_sources (tenant) WHERE tenant IS NOT NULL;

-- Down Migration
DROP INDEX telemetry_sources_tenant;
ALTER TABLE telemetry_sources DROP COLUMN tenant;
