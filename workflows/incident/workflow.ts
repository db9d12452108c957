import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  executeChild,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { CandidateKind, RootCauseCandidate } from '../../activities/rca/candidate';
import {
  incidentService,
  incidentSeverity,
  incidentStatus,
  rootCause,
  rootCauseRevisedFrom,
  runbook,
} from '../search-attributes';
import type { RunbookInput, RunbookResult } from '../../runbooks/sdk/types';
import { runbookAwaitingApproval, runbookWorkflowId } from '../../runbooks/sdk/messages';
import {
  incidentSymptomPatch,
  measurableSignals,
  quietSymptomBaselinePatch,
  type IncidentSymptomCheck,
} from '../../runbooks/sdk/symptom-bounds';
import { investigationWorkflow } from '../investigation/workflow';
import { notificationRetryWorkflow } from '../notification-retry';
import type { InvestigationResult, RankedRootCauses } from '../investigation/types';
import { nextRunbook, type RunbookChoice } from './choose-runbook';
import { incidentDetails } from './details';
import { faultLeadMs } from './investigation-window';
import {
  corroborated,
  decisive,
  decisiveCorroboratedPatch,
  decisiveNamedPatch,
  defaultMaturedRankSeconds,
  maturedRankPatch,
  revisionNote,
} from './matured-rank';
import { maxRemedyAttempts, nextRemedyPatch, passedBeforeChange, triesNextAfter } from './remedies';
import { anomaliesObserved, closeIncident, incidentState } from './messages';
import {
  attachAnomalies,
  openIncident,
  quietSince,
  reopenIncident,
  type KeepOpenRule,
} from './state';
import type { CloseRequest, IncidentCandidate, IncidentInput, IncidentState } from './types';

const { recordIncident, resolveRemediationTarget, recordIncidentInGraph, symptomBaseline } =
  proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    retry: { maximumInterval: '30 seconds' },
  });

const defaultMaxHistoryEvents = 5_000;
const defaultBaselineMinutes = 10;

/**
 * One incident per fault fingerprint. Detection starts it with signal-with-start, so repeats of
 * the same fault attach here as signals; it resolves itself after a quiet period.
 */
export async function incidentWorkflow(input: IncidentInput): Promise<IncidentState> {
  const pending: IncidentCandidate[] = [];
  let closeRequest: CloseRequest | undefined;
  let state: IncidentState | undefined = input.state;
  // Runs started before the rule existed resolve as they did (their histories must replay).
  const rule: KeepOpenRule = { sustainedOnly: patched('sustaining-evidence-keeps-open') };

  setHandler(anomaliesObserved, (candidate) => {
    pending.push(candidate);
  });
  setHandler(runbookAwaitingApproval, async (waiting) => {
    const status = current().status;
    if (status === 'remediating' || status === 'awaiting_approval') {
      await publish({ ...current(), status: waiting ? 'awaiting_approval' : 'remediating' });
    }
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
      ...(next.rootCauseRevisedFrom
        ? [{ key: rootCauseRevisedFrom, value: next.rootCauseRevisedFrom }]
        : []),
      ...(next.runbook ? [{ key: runbook, value: next.runbook }] : []),
    ]);
    setCurrentDetails(incidentDetails(next));
    const recorded = await recordIncident.executeWithOptions(
      { startToCloseTimeout: '30 seconds', summary: `record incident: ${next.status}` },
      [next],
    );
    // Histories recorded before notifications were retried have no result here.
    if ((recorded as { undelivered?: number } | undefined)?.undelivered)
      await retryNotifications(next.incidentId);
  }

  /** Undelivered notifications are retried with backoff by a workflow that outlives this one. */
  async function retryNotifications(incidentId: string) {
    try {
      await startChild(notificationRetryWorkflow, {
        workflowId: `notify-${incidentId}`,
        args: [incidentId],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `retry the notifications of ${incidentId}`,
      });
    } catch (err) {
      // One is retrying already, and it delivers every unsent notification of the incident.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  function applyPending(from: IncidentState): IncidentState {
    let next = from;
    const heardAt = new Date().toISOString();
    for (const candidate of pending.splice(0))
      next = attachAnomalies(next, candidate, heardAt, rule);
    return next;
  }

  if (!state) {
    // The first anomalies arrive as the signal of signal-with-start, in the first activation.
    await condition(() => pending.length > 0);
    if (input.reopened) {
      await publish(applyPending(reopenIncident(input.reopened, new Date().toISOString())));
    } else {
      const first = pending.shift()!;
      const info = workflowInfo();
      const incidentId = `${input.fingerprint}-${info.startTime.toISOString().replace(/[-:]/g, '').slice(0, 15)}`;
      await publish(applyPending(openIncident(incidentId, first, new Date().toISOString(), rule)));
    }
  }

  /**
   * Investigation, then remediation, run beside the anomaly loop, once per incident. The opening's
   * ranking is published at once; unless it is decisive, the incident ranks again when its window
   * has matured and keeps that answer, and remediation waits for it (a runbook acts on the root
   * cause the fuller window names; nothing asks for approval in between).
   */
  async function respond(): Promise<void> {
    if (current().investigationId) return;
    const opened = current();
    const investigationId = `investigation-${opened.incidentId}`;
    await publish({ ...current(), status: 'investigating', investigationId });
    const firstAnomaly = Math.min(...opened.topAnomalies.map((a) => Date.parse(a.at)));
    const evidenceWaitMs = firstAnomaly + (input.faultEvidenceSeconds ?? 0) * 1000 - Date.now();
    if (evidenceWaitMs > 0) await sleep(evidenceWaitMs);
    try {
      const rankedAt = Date.now();
      let investigation = await investigate(investigationId, opened, firstAnomaly);
      const top = investigation.ranked.candidates[0];
      await publish({
        ...current(),
        status: settled(),
        summary: investigation.summary.summary,
        ...(top && { rootCause: rootCauseOf(top) }),
        notes: [...(current().notes ?? []), ...investigation.notes],
      });
      // Asked only where the old code went on to remediate, so histories recorded before replay.
      if (!openingStands(investigation.ranked) && !closeRequest && patched(maturedRankPatch))
        investigation = await rankWhenMatured(investigation, firstAnomaly, rankedAt);
      if (investigation.ranked.candidates[0] && input.remediate !== false && !closeRequest)
        await remediate(investigation, firstAnomaly);
    } catch (err) {
      // An incident without a diagnosis is still an incident: keep it open and say why.
      await publish({
        ...current(),
        status: settled(),
        notes: [...(current().notes ?? []), `investigation failed: ${String(err)}`],
      });
    }
  }

  /**
   * Whether the opening's ranking is decisive: a clear lead, for one of the incident's services,
   * that more than one member picks first. Each patch is asked only where the rule before it
   * called the opening decisive, so histories recorded before replay.
   */
  function openingStands({ candidates, firstPicks }: RankedRootCauses): boolean {
    if (!decisive(candidates)) return false;
    const services = [current().service, ...current().services];
    if (!decisive(candidates, services)) return !patched(decisiveNamedPatch);
    return corroborated(candidates[0]?.service, firstPicks) || !patched(decisiveCorroboratedPatch);
  }

  /** Ranks the window from a lead before the first anomaly to now, as a child workflow. */
  async function investigate(
    investigationId: string,
    incident: IncidentState,
    firstAnomaly: number,
  ): Promise<InvestigationResult> {
    return executeChild(investigationWorkflow, {
      workflowId: investigationId,
      args: [
        {
          investigationId,
          incidentId: incident.incidentId,
          faultStart: new Date(firstAnomaly - faultLeadMs).toISOString(),
          firstAnomalyAt: new Date(firstAnomaly).toISOString(),
          end: new Date().toISOString(),
          baselineMinutes: input.baselineMinutes ?? defaultBaselineMinutes,
          incident: {
            service: incident.service,
            services: incident.services,
            severity: incident.severity,
            openedAt: incident.openedAt,
            anomalies: incident.topAnomalies,
          },
        },
      ],
    });
  }

  /**
   * Waits until the window has matured, then ranks again and keeps that answer, saying whether
   * it revised the root cause. The window has matured too when the incident went quiet first (it
   * then holds all the fault there was); one whose history must continue as new ranks again at
   * once (the run ends once its response has); one closed meanwhile keeps the opening's answer.
   */
  async function rankWhenMatured(
    opening: InvestigationResult,
    firstAnomaly: number,
    rankedAt: number,
  ): Promise<InvestigationResult> {
    const maturesAt = firstAnomaly + (input.maturedRankSeconds ?? defaultMaturedRankSeconds) * 1000;
    if (maturesAt <= rankedAt) return opening;
    await condition(
      () => closeRequest !== undefined || quietWhileResponding || continuing,
      Math.max(1, maturesAt - Date.now()),
    );
    if (closeRequest) return opening;
    await publish({ ...current(), status: 'investigating' });
    const matured = await investigate(
      `investigation-${current().incidentId}-matured`,
      current(),
      firstAnomaly,
    );
    const from = opening.ranked.candidates[0];
    const to = matured.ranked.candidates[0];
    const seconds = (at: number) => Math.round((at - firstAnomaly + faultLeadMs) / 1000);
    const note = revisionNote(new Date().toISOString(), from?.service, to?.service, {
      opening: seconds(rankedAt),
      matured: seconds(Date.now()),
    });
    const revised = to !== undefined && to.service !== from?.service;
    await publish({
      ...current(),
      status: settled(),
      summary: matured.summary.summary,
      ...(to && { rootCause: rootCauseOf(to) }),
      ...(revised && from && { rootCauseRevisedFrom: from.service }),
      notes: [...(current().notes ?? []), note, ...matured.notes],
    });
    return to ? matured : opening;
  }

  /**
   * Chooses a runbook from the catalog and runs it as a child; its outcome is recorded. After one
   * that could not act or whose change failed, the next fitting remedy is chosen (never the same
   * runbook twice, at most maxRemedyAttempts), each with its own approvals.
   */
  async function remediate(
    investigation: InvestigationResult,
    firstAnomaly: number,
  ): Promise<void> {
    const top = investigation.ranked.candidates[0]!;
    const check: IncidentSymptomCheck = {
      signals: measurableSignals(current().topAnomalies.map((a) => a.signal)),
      ...(await symptomBaselineOf(top.service, firstAnomaly)),
      faultFrom: new Date(firstAnomaly).toISOString(),
    };
    const target = await resolveRemediationTarget(top.service);
    const runbookInput: RunbookInput = {
      incidentId: current().incidentId,
      service: top.service,
      ...target,
      rootCause: {
        service: top.service,
        kind: top.kind,
        score: top.score,
        ...(top.evidence.findings?.length && { findings: top.evidence.findings }),
      },
      summary: investigation.summary.summary,
    };
    const tried: string[] = [];
    for (let attempt = 1; ; attempt++) {
      const choice = nextRunbook(
        runbookInput,
        investigation.recommendation?.recommended,
        investigation.summary.recommendedRunbook,
        tried,
      );
      if (!choice) break;
      tried.push(choice.entry.name);
      const result = await runRemedy(choice, runbookInput, attempt, check);
      if (!triesNextAfter(result.outcome) || attempt >= maxRemedyAttempts || closeRequest) break;
      // Checked only where the old code stopped, so histories recorded before replay unchanged.
      if (!patched(nextRemedyPatch)) break;
    }
  }

  /**
   * The health a fix is verified against: the investigation's baseline, quiet for the incident's
   * services and the one fixed (their earlier faults left out). Incidents that reached here
   * before compare with the ten minutes before the fault window, as they did.
   */
  async function symptomBaselineOf(
    service: string,
    firstAnomaly: number,
  ): Promise<Omit<IncidentSymptomCheck, 'signals'>> {
    const baselineMinutes = input.baselineMinutes ?? defaultBaselineMinutes;
    const faultStart = firstAnomaly - faultLeadMs;
    if (patched(quietSymptomBaselinePatch))
      return symptomBaseline({
        incidentId: current().incidentId,
        faultStart: new Date(faultStart).toISOString(),
        firstAnomalyAt: new Date(firstAnomaly).toISOString(),
        baselineMinutes,
        services: [...new Set([current().service, ...current().services, service])],
      });
    return {
      baselineFrom: new Date(faultStart - baselineMinutes * 60_000).toISOString(),
      baselineTo: new Date(faultStart).toISOString(),
    };
  }

  async function runRemedy(
    choice: RunbookChoice,
    runbookInput: RunbookInput,
    attempt: number,
    check: IncidentSymptomCheck,
  ): Promise<RunbookResult> {
    const label = `${choice.entry.name} v${choice.entry.version}`;
    const nth = attempt === 1 ? '' : ` (attempt ${attempt} of at most ${maxRemedyAttempts})`;
    await publish({
      ...current(),
      status: 'remediating',
      runbook: label,
      notes: [...(current().notes ?? []), `runbook ${label}${nth}: ${choice.reason}`],
    });
    const result = await executeChild<(input: RunbookInput) => Promise<RunbookResult>>(
      choice.entry.workflowType,
      {
        workflowId: runbookWorkflowId(current().incidentId, attempt),
        ...(input.remediationTaskQueue && { taskQueue: input.remediationTaskQueue }),
        args: [
          {
            ...runbookInput,
            symptom: {
              incidentWorkflowId: workflowInfo().workflowId,
              clearedAfterSeconds: input.quietPeriodSeconds,
              // Runs started before verification judged the incident's symptom judge without it.
              ...(check.signals.length > 0 && patched(incidentSymptomPatch) && { check }),
            },
          },
        ],
      },
    );
    remediations.push({
      runbook: choice.entry.name,
      version: choice.entry.version,
      outcome: result.outcome,
      approvedBy: result.approvals.filter((a) => a.decision === 'approved').map((a) => a.approver),
    });
    if (result.outcome === 'succeeded') succeeded = { label, steps: result.steps };
    if (result.outcome === 'not_needed') byItself = `recovered by itself before ${label} acted`;
    const recovered = result.outcome === 'not_needed' ? ' The incident recovered by itself.' : '';
    await publish({
      ...current(),
      status: settled(),
      remediationOutcome: result.outcome,
      remedies: [...(current().remedies ?? []), `${label}: ${result.outcome}`],
      notes: [
        ...(current().notes ?? []),
        `runbook ${label}: ${result.outcome}${result.reason ? ` (${result.reason})` : ''}${recovered}`,
      ],
    });
    return result;
  }
  /** The runbook that succeeded and its steps, to judge at resolution whether it gets credit. */
  let succeeded: { label: string; steps: RunbookResult['steps'] } | undefined;
  /** Set when a runbook found the symptom cleared before its first change. */
  let byItself: string | undefined;
  const remediations: {
    runbook: string;
    version: number;
    outcome: RunbookResult['outcome'];
    approvedBy: string[];
  }[] = [];

  /**
   * Every report is in once the incident went quiet: a success whose fault had passed before its
   * first change is no cure, and the knowledge graph must not learn it as one.
   */
  function creditWithheld(run: { label: string; steps: RunbookResult['steps'] }) {
    const evidence = current().sustainedAt ?? current().lastAnomalyAt;
    const reason = passedBeforeChange(evidence, run.label, run.steps);
    if (reason) {
      const last = remediations[remediations.length - 1];
      if (last) last.outcome = 'not_needed';
    }
    return reason;
  }

  function rootCauseOf(top: RootCauseCandidate): NonNullable<IncidentState['rootCause']> {
    return {
      service: top.service,
      kind: top.kind,
      score: top.score,
      ...(top.evidence.outside && { outside: top.evidence.outside }),
    };
  }

  /** Back to open after a phase, unless the incident was closed meanwhile. */
  function settled(): IncidentState['status'] {
    const status = current().status;
    return status === 'investigating' || status === 'remediating' ? 'open' : status;
  }
  let responding = true;
  /** The incident went quiet while its response ran: a ranking waiting for more of the fault runs now. */
  let quietWhileResponding = false;
  /** The history must continue as new once the response has finished: it should not wait. */
  let continuing = false;
  const response = respond().finally(() => {
    responding = false;
  });

  const quietMs = input.quietPeriodSeconds * 1000;
  for (;;) {
    const sinceLast = Date.now() - quietSince(current());
    const heard = await condition(
      () => pending.length > 0 || closeRequest !== undefined,
      Math.max(1, quietMs - sinceLast),
    );
    // Quiet only counts once the response has finished (a fix in progress is not "resolved").
    if (!heard && responding) {
      quietWhileResponding = true;
      await response;
      continue;
    }
    if (closeRequest) {
      await publish({
        ...applyPending(current()),
        status: 'closed',
        resolution: `closed by ${closeRequest.by}: ${closeRequest.reason}`,
      });
      break;
    }
    if (!heard) {
      const withheld = succeeded && creditWithheld(succeeded);
      const recovered = withheld ?? byItself;
      await publish({
        ...current(),
        status: 'resolved',
        ...(withheld && { remediationOutcome: 'not_needed' }),
        resolution: `no new anomaly for ${input.quietPeriodSeconds} s${recovered ? `; ${recovered}` : ''}`,
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
      // A running child would be cut off by continue-as-new: let the response finish first.
      continuing = true;
      await response;
      await condition(allHandlersFinished);
      await continueAsNew<typeof incidentWorkflow>({ ...input, state: applyPending(current()) });
    }
  }
  await response;
  const finished = current();
  // The knowledge graph learns from every finished incident; it is advisory, so an unreachable
  // graph is noted, not fatal.
  const recorded = await recordIncidentInGraph({
    incidentId: finished.incidentId,
    fingerprint: finished.fingerprint,
    severity: finished.severity,
    openedAt: finished.openedAt,
    resolvedAt: new Date().toISOString(),
    services: finished.services,
    symptoms: finished.topAnomalies.map((a) => ({ service: a.service, signal: a.signal })),
    ...(finished.rootCause && {
      rootCause: {
        service: finished.rootCause.service,
        kind: finished.rootCause.kind as CandidateKind,
        score: finished.rootCause.score,
      },
    }),
    remediations,
    ...(finished.summary && { summary: finished.summary }),
  });
  if (!recorded.available) {
    state = {
      ...finished,
      notes: [...(finished.notes ?? []), `knowledge graph: ${recorded.reason}`],
    };
  }
  await condition(allHandlersFinished);
  return current();
}
