-- Up Migration
-- Notifications of incident changes to outside systems (generic webhook, PagerDuty), one row per
-- incident, channel and event: written with the incident's change, marked sent once delivered,
-- retried on later incident updates while unsent, so a receiver's outage delays but loses none.
CREATE TABLE incident_notification (
  incident_id text NOT NULL,
  channel text NOT NULL,
  event text NOT NULL,
  payload jsonb NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  PRIMARY KEY (incident_id, channel, event)
);
CREATE INDEX incident_notification_unsent ON incident_notification (created_at)
  WHERE sent_at IS NULL;

-- Down Migration
DROP TABLE incident_notification;
