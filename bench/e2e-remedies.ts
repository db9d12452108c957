import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { runbookStatusQuery, runbookWorkflowId } from '../runbooks/sdk/messages';
import type { RunbookResult } from '../runbooks/sdk/types';
import { maxRemedyAttempts } from '../workflows/incident/remedies';

/**
 * What the engine did about an incident, in one line for the results table: each runbook it
 * ran, in order, and how that run ended (or where it stands), with the reason a run gave for not
 * succeeding; then, when the incident found it recovered by itself, that. So an unrecovered fault
 * says why without digging through the histories, and a fault that passed is not credited.
 */
export async function remedyOf(
  client: Client,
  incident: { incident_id: string; runbook: string | null; resolution: string | null },
): Promise<string> {
  if (!incident.runbook) return 'no runbook started';
  const runs: string[] = [];
  for (let attempt = 1; attempt <= maxRemedyAttempts; attempt++) {
    const run = await runOf(client, runbookWorkflowId(incident.incident_id, attempt));
    if (run === undefined) break;
    runs.push(run);
  }
  const byItself = incident.resolution?.match(/recovered by itself.*/)?.[0];
  return [runs.join(' → ') || `${incident.runbook}: not found`, byItself]
    .filter(Boolean)
    .join('; incident ');
}

/** One runbook run in one line, or undefined when there is no such run. */
async function runOf(client: Client, workflowId: string): Promise<string | undefined> {
  const handle = client.workflow.getHandle(workflowId);
  try {
    const { status, type } = await handle.describe();
    if (status.name === 'RUNNING') {
      const { runbook, phase, awaiting } = await handle.query(runbookStatusQuery);
      const label = `${runbook.name} v${runbook.version}`;
      return `${label}: still ${awaiting ? `awaiting approval (${awaiting.gate})` : phase}`;
    }
    if (status.name !== 'COMPLETED') return `${type}: ${status.name.toLowerCase()}`;
    const { runbook, outcome, reason } = (await handle.result()) as RunbookResult;
    return `${runbook.name} v${runbook.version}: ${outcome}${reason ? ` (${reason})` : ''}`;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    return `${workflowId}: not readable (${err instanceof Error ? err.message : String(err)})`;
  }
}
