import type { Client } from '@temporalio/client';
import { runbookStatusQuery, runbookWorkflowId } from '../runbooks/sdk/messages';
import type { RunbookResult } from '../runbooks/sdk/types';

/**
 * What the engine did about an incident, in one line for the results table: the runbook it
 * chose and how that run ended (or where it stands), with the reason a run gave for not
 * succeeding; so an unrecovered fault says why without digging through the histories.
 */
export async function remedyOf(
  client: Client,
  incident: { incident_id: string; runbook: string | null },
): Promise<string> {
  if (!incident.runbook) return 'no runbook started';
  const handle = client.workflow.getHandle(runbookWorkflowId(incident.incident_id));
  try {
    const { status } = await handle.describe();
    if (status.name === 'RUNNING') {
      const { phase, awaiting } = await handle.query(runbookStatusQuery);
      return `${incident.runbook}: still ${awaiting ? `awaiting approval (${awaiting.gate})` : phase}`;
    }
    if (status.name !== 'COMPLETED') return `${incident.runbook}: ${status.name.toLowerCase()}`;
    const result = (await handle.result()) as RunbookResult;
    return `${incident.runbook}: ${result.outcome}${result.reason ? ` (${result.reason})` : ''}`;
  } catch (err) {
    return `${incident.runbook}: not readable (${err instanceof Error ? err.message : String(err)})`;
  }
}
