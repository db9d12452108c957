-- Up Migration
-- What a ranking had to go without (e.g. a history read past its budget), kept with the ranking
-- so a retried activity that finds it stored reports the same.
ALTER TABLE investigation ADD COLUMN notes jsonb NOT NULL DEFAULT '[]';

-- Down Migration
ALTER TABLE investigation DROP COLUMN notes;
