-- Up Migration
-- The audit trail of runbook approvals: one row per decision on a gate of a run (an approver's
-- answer, a timeout or the policy's automatic pass). The Update id points into the workflow
-- history where the same decision is recorded.
CREATE TABLE approvals (
  workflow_id text NOT NULL,
  run_id text NOT NULL,
  gate text NOT NULL,
  approver text NOT NULL,
  decision text NOT NULL CHECK (decision IN ('approved', 'rejected', 'timed_out', 'auto_approved')),
  via text NOT NULL,
  reason text,
  update_id text,
  incident_id text NOT NULL,
  runbook text NOT NULL,
  runbook_version integer NOT NULL,
  decided_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workflow_id, run_id, gate, approver)
);
CREATE INDEX approvals_incident ON approvals (incident_id, decided_at);

-- Where each approval request was posted in chat, so a retried request does not post twice
-- and decisions can edit the message.
CREATE TABLE approval_messages (
  workflow_id text NOT NULL,
  run_id text NOT NULL,
  gate text NOT NULL,
  channel text NOT NULL,
  ts text NOT NULL,
  PRIMARY KEY (workflow_id, run_id, gate)
);

-- Down Migration
DROP TABLE approval_messages;
DROP TABLE approvals;
