import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { anomaliesObserved, incidentWorkflowId } from '../workflows/incident/messages';
import type { IncidentCandidate, IncidentState } from '../workflows/incident/types';

export interface IncidentStartOptions {
  taskQueue: string;
  quietPeriodSeconds: number;
  faultEvidenceSeconds?: number;
  /** IncidentInput.maturedRankSeconds (default there). */
  maturedRankSeconds?: number;
  /**
   * A fingerprint's incident resolved at most this long ago is reopened by its fault's next
   * anomalies instead of a new incident opening (default: one quiet period).
   */
  reopenSeconds?: number;
  /**
   * Fingerprints whose incident the store shows open: a signal to one of them attaches, so its
   * last run need not be read (only a resolved incident can be reopened).
   */
  openFingerprints?: ReadonlySet<string>;
}

/**
 * Opens the incident for this fault, or attaches the anomalies to the one already open:
 * signal-with-start on the fingerprint's workflow id makes both one atomic call. When the
 * fingerprint's incident resolved itself within the reopen window, the new run reopens it.
 * A candidate that only backs an incident is signalled to it alone: if the incident resolved
 * since the pass read it, it opens nothing.
 */
export async function signalIncident(
  client: Client,
  candidate: IncidentCandidate,
  opts: IncidentStartOptions,
): Promise<string> {
  const workflowId = incidentWorkflowId(candidate.fingerprint);
  if (candidate.backsOnly) {
    try {
      await client.workflow.getHandle(workflowId).signal(anomaliesObserved, candidate);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    return workflowId;
  }
  const signals = [...new Set(candidate.anomalies.map((a) => a.signal))].join(', ');
  const reopened = opts.openFingerprints?.has(candidate.fingerprint)
    ? undefined
    : await recentlyResolved(
        client,
        workflowId,
        (opts.reopenSeconds ?? opts.quietPeriodSeconds) * 1000,
      );
  await client.workflow.signalWithStart('incidentWorkflow', {
    workflowId,
    taskQueue: opts.taskQueue,
    args: [
      {
        fingerprint: candidate.fingerprint,
        quietPeriodSeconds: opts.quietPeriodSeconds,
        ...(opts.faultEvidenceSeconds !== undefined && {
          faultEvidenceSeconds: opts.faultEvidenceSeconds,
        }),
        ...(opts.maturedRankSeconds !== undefined && {
          maturedRankSeconds: opts.maturedRankSeconds,
        }),
        ...(reopened && { reopened }),
      },
    ],
    signal: anomaliesObserved,
    signalArgs: [candidate],
    staticSummary: `Incident on ${candidate.service}: ${signals}`,
    staticDetails: `Opened by detection for anomalies on ${candidate.services.join(', ')}.`,
  });
  return workflowId;
}

/**
 * The final state of the fingerprint's latest incident if it resolved itself (not closed by a
 * person, whose judgement stands) within `windowMs`: a fault quiet for one quiet period and back
 * within the next was pausing, not over.
 */
async function recentlyResolved(
  client: Client,
  workflowId: string,
  windowMs: number,
): Promise<IncidentState | undefined> {
  const handle = client.workflow.getHandle<() => Promise<IncidentState>>(workflowId);
  try {
    const described = await handle.describe();
    if (described.status.name !== 'COMPLETED' || !described.closeTime) return undefined;
    if (Date.now() - described.closeTime.getTime() > windowMs) return undefined;
    const last = await handle.result();
    return last.status === 'resolved' ? last : undefined;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}
