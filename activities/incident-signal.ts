import { status as grpcStatus } from '@grpc/grpc-js';
import { isGrpcServiceError, type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { tsToMs } from '@temporalio/common/lib/time';
import { anomaliesObserved, incidentWorkflowId } from '../workflows/incident/messages';
import type { IncidentCandidate, IncidentState } from '../workflows/incident/types';

const closeEventOnly =
  temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT;

export interface IncidentStartOptions {
  taskQueue: string;
  quietPeriodSeconds: number;
  faultEvidenceSeconds?: number;
  /**
   * A fingerprint's incident resolved at most this long ago is reopened by its fault's next
   * anomalies instead of a new incident opening (default: one quiet period).
   */
  reopenSeconds?: number;
}

/**
 * Opens the incident for this fault, or attaches the anomalies to the one already open:
 * signal-with-start on the fingerprint's workflow id makes both one atomic call. When the
 * fingerprint's incident resolved itself within the reopen window, the new run reopens it.
 */
export async function signalIncident(
  client: Client,
  candidate: IncidentCandidate,
  opts: IncidentStartOptions,
): Promise<string> {
  const workflowId = incidentWorkflowId(candidate.fingerprint);
  const signals = [...new Set(candidate.anomalies.map((a) => a.signal))].join(', ');
  const reopened = await recentlyResolved(
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
 * within the next was pausing, not over. One read per signal: the latest run's close event,
 * which an open incident does not have yet, carries both when it closed and its final state.
 */
async function recentlyResolved(
  client: Client,
  workflowId: string,
  windowMs: number,
): Promise<IncidentState | undefined> {
  const { workflowService, options } = client.workflow;
  let close;
  try {
    const { history } = await workflowService.getWorkflowExecutionHistory({
      namespace: options.namespace,
      execution: { workflowId },
      historyEventFilterType: closeEventOnly,
      waitNewEvent: false,
      skipArchival: true,
    });
    close = history?.events?.[0];
  } catch (err) {
    if (isGrpcServiceError(err) && err.code === grpcStatus.NOT_FOUND) return undefined;
    throw err;
  }
  const completed = close?.workflowExecutionCompletedEventAttributes;
  if (!completed || Date.now() - tsToMs(close?.eventTime) > windowMs) return undefined;
  const converter = options.loadedDataConverter;
  let payloads = completed.result?.payloads ?? [];
  for (const codec of [...converter.payloadCodecs].reverse())
    payloads = await codec.decode(payloads);
  const last = payloads[0] && converter.payloadConverter.fromPayload<IncidentState>(payloads[0]);
  return last?.status === 'resolved' ? last : undefined;
}
