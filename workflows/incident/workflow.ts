import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import {
  incidentService,
  incidentSeverity,
  incidentStatus,
  rootCause,
  runbook,
} from '../search-attributes';
import { incidentDetails } from './details';
import { anomaliesObserved, closeIncident, incidentState } from './messages';
import { attachAnomalies, openIncident } from './state';
import type { CloseRequest, IncidentCandidate, IncidentInput, IncidentState } from './types';

const { recordIncident } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumInterval: '30 seconds' },
});

const defaultMaxHistoryEvents = 5_000;

/**
 * One incident per fault fingerprint. Detection starts it with signal-with-start, so repeats of
 * the same fault attach here as signals; it resolves itself after a quiet period.
 */
export async function incidentWorkflow(input: IncidentInput): Promise<IncidentState> {
  const pending: IncidentCandidate[] = [];
  let closeRequest: CloseRequest | undefined;
  let state: IncidentState | undefined = input.state;

  setHandler(anomaliesObserved, (candidate) => {
    pending.push(candidate);
  });
  setHandler(incidentState, () => {
    if (!state) throw new Error('incident not opened yet');
    return state;
  });
  setHandler(
    closeIncident,
    (request) => {
      closeRequest = request;
      return current();
    },
    {
      validator: (request) => {
        if (!request.by.trim())
          throw new Error('closing an incident needs the name of who closes it');
        if (state?.status === 'resolved' || state?.status === 'closed') {
          throw new Error(`incident is already ${state.status}`);
        }
      },
    },
  );

  function current(): IncidentState {
    if (!state) throw new Error('incident not opened yet');
    return state;
  }

  async function publish(next: IncidentState) {
    state = next;
    upsertSearchAttributes([
      { key: incidentStatus, value: next.status },
      { key: incidentSeverity, value: next.severity },
      { key: incidentService, value: next.service },
      ...(next.rootCause ? [{ key: rootCause, value: next.rootCause.service }] : []),
      ...(next.runbook ? [{ key: runbook, value: next.runbook }] : []),
    ]);
    setCurrentDetails(incidentDetails(next));
    await recordIncident.executeWithOptions(
      { startToCloseTimeout: '30 seconds', summary: `record incident: ${next.status}` },
      [next],
    );
  }

  function applyPending(from: IncidentState): IncidentState {
    let next = from;
    for (const candidate of pending.splice(0)) next = attachAnomalies(next, candidate);
    return next;
  }

  if (!state) {
    // The first anomalies arrive as the signal of signal-with-start, in the first activation.
    await condition(() => pending.length > 0);
    const first = pending.shift()!;
    const info = workflowInfo();
    const incidentId = `${input.fingerprint}-${info.startTime.toISOString().replace(/[-:]/g, '').slice(0, 15)}`;
    await publish(applyPending(openIncident(incidentId, first, new Date().toISOString())));
  }

  const quietMs = input.quietPeriodSeconds * 1000;
  for (;;) {
    const sinceLast = Date.now() - Date.parse(current().lastAnomalyAt);
    const heard = await condition(
      () => pending.length > 0 || closeRequest !== undefined,
      Math.max(1, quietMs - sinceLast),
    );
    if (closeRequest) {
      await publish({
        ...applyPending(current()),
        status: 'closed',
        resolution: `closed by ${closeRequest.by}: ${closeRequest.reason}`,
      });
      break;
    }
    if (!heard) {
      await publish({
        ...current(),
        status: 'resolved',
        resolution: `no new anomaly for ${input.quietPeriodSeconds} s`,
      });
      break;
    }
    const before = current().anomalyCount;
    const next = applyPending(current());
    // Re-publishing on every repeat would flood history; only a change worth showing is written.
    if (
      next.severity !== current().severity ||
      next.services.length !== current().services.length
    ) {
      await publish(next);
    } else {
      state = next;
      if (next.anomalyCount !== before) setCurrentDetails(incidentDetails(next));
    }
    const info = workflowInfo();
    if (
      info.continueAsNewSuggested ||
      info.historyLength > (input.maxHistoryEvents ?? defaultMaxHistoryEvents)
    ) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof incidentWorkflow>({ ...input, state: applyPending(current()) });
    }
  }
  await condition(allHandlersFinished);
  return current();
}
