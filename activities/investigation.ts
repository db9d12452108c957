import { getHeapStatistics } from 'node:v8';
import { ApplicationFailure } from '@temporalio/common';
import type { KubeConfig } from '@kubernetes/client-node';
import { collectOutsideSignals } from './outside-signals';
import { fuse, fuseWithOutside, rankAll } from './rca/ensemble';
import { buildEvidence, faultWindowStart, type HistoryLogGroup } from './rca/evidence';
import type { RootCauseCandidate } from './rca/candidate';
import { firstPicks, type MemberRankings } from './rca/features';
import { missingDataNotes } from './rca/missing-data';
import { faultOnset, firstAnomalyServices, fromOnset } from './rca/fault-onset';
import type { MetricsSource } from '../integrations/prometheus/source';
import { postgresCallsOf } from '../store/database-calls';
import { databaseTarget } from './postgres/database-target';
import type { PostgresSettings } from './postgres';
import type { Pool } from '../store/db';
import type { WindowTelemetry } from '../store/investigation-telemetry';
import { incidentPeriods } from '../store/incidents';
import { trafficBuckets } from '../store/traffic-buckets';
import {
  afterLastTrafficGap,
  periodsOfItsServices,
  quietBaselineRule,
  quietBaselineStart,
} from './quiet-baseline';
import { historyLogGroups, loadWindowTelemetry } from '../store/investigation-telemetry';
import { metricHistoryReadings } from '../store/metric-history';
import { operationLatencyLevels, type OperationLatencyLevel } from '../store/latency-history';
import { historyBudgetMs, pastStatementBudget } from '../store/statement-budget';
import { latestRemediationTarget, type RemediationTarget } from '../store/remediation-targets';
import {
  findInvestigation,
  saveInvestigation,
  saveInvestigationSummary,
} from '../store/investigations';
import type { InvestigationInput, RankedRootCauses } from '../workflows/investigation/types';

const carriedCandidates = 5;
/** The leading candidates whose workloads the cluster is asked about. */
const outsideCandidates = 8;
const carriedEvidenceItems = 5;
/**
 * How far back a log line or a latency level counts as known: the store's hour before the
 * baseline. The baseline stays short (rates of a few minutes ago); what it happened not to see
 * is not new for that.
 */
const logHistoryMs = 60 * 60_000;

/** Candidates small enough to travel in workflow history (the full list is in PostgreSQL). */
function trim(candidates: RootCauseCandidate[]): RootCauseCandidate[] {
  return candidates.slice(0, carriedCandidates).map((c) => ({
    ...c,
    evidence: {
      ...(c.evidence.traceIds && { traceIds: c.evidence.traceIds.slice(0, carriedEvidenceItems) }),
      ...(c.evidence.templates && {
        templates: c.evidence.templates.slice(0, carriedEvidenceItems),
      }),
      // Already a handful (outside-evidence.ts).
      ...(c.evidence.outside && { outside: c.evidence.outside }),
      ...(c.evidence.findings && { findings: c.evidence.findings }),
      ...(c.evidence.metricDeltas && {
        metricDeltas: Object.fromEntries(
          Object.entries(c.evidence.metricDeltas).slice(0, carriedEvidenceItems),
        ),
      }),
    },
  }));
}

/** Heap an investigation's evidence may take; beyond it, or beyond the free heap, it fails. */
export const evidenceMemoryBudgetBytes = 512 * 1024 * 1024;

// Per series and 10-second bucket: calls, errors, a duration list and their array slots.
const bytesPerSeriesBucket = 96;

/**
 * What the evidence of a window would take on the heap: each operation, call edge and metric
 * series holds one slot per 10-second bucket of the window.
 */
export function evidenceBytes(telemetry: WindowTelemetry, windowMs: number): number {
  // Operations by service (a service's edges count as one series): no key string per span.
  const operations = new Map<string, Set<string>>();
  for (const s of telemetry.spans) {
    let ops = operations.get(s.service);
    if (!ops) operations.set(s.service, (ops = new Set()));
    ops.add(s.operation);
  }
  let series = operations.size;
  for (const ops of operations.values()) series += ops.size;
  const metrics = new Set(telemetry.metrics.map((m) => `${m.service} ${m.instance} ${m.name}`));
  // One more for the window's own bucket index, which exists even without telemetry.
  return (series + metrics.size + 1) * Math.ceil(windowMs / 10_000) * bytesPerSeriesBucket;
}

/**
 * Fails the activity (not the process) when building the evidence would exceed the budget or
 * the heap still free: an out-of-memory crash would take every other worker of the process down.
 */
export function assertEvidenceFits(
  telemetry: WindowTelemetry,
  windowMs: number,
  budgetBytes = evidenceMemoryBudgetBytes,
): void {
  const heap = getHeapStatistics();
  const free = heap.heap_size_limit - heap.used_heap_size;
  const needed = evidenceBytes(telemetry, windowMs);
  if (needed > Math.min(budgetBytes, free / 2))
    throw ApplicationFailure.nonRetryable(
      `the evidence of this window would take ~${Math.round(needed / 2 ** 20)} MiB, over the ` +
        `investigation budget of ${Math.round(Math.min(budgetBytes, free / 2) / 2 ** 20)} MiB; ` +
        'investigate a shorter window or baseline',
      'InvestigationMemoryBudgetExceeded',
    );
}

/**
 * The span of time before a baseline whose log lines and latency levels count as known, and its
 * metric levels where no incident was going on.
 */
export function logHistoryWindow(baselineStart: number): { from: Date; to: Date } {
  return { from: new Date(baselineStart - logHistoryMs), to: new Date(baselineStart) };
}

/**
 * Where a window's fault period and its baseline start. The fault window opens only after an
 * other incident whose last anomaly came before `firstAnomalyAt` (its fading symptoms are not this
 * fault's). The baseline holds `baselineMs` of traffic quiet for the incident's `services` (the
 * periods of other incidents that involved one of them left out, `periodsOfItsServices`),
 * reaching further back for it only within a bound and never past a gap in the traffic
 * (`quietBaselineStart`): the adjacent minutes often hold the previous fault, which made this one
 * look like no change or a recovery.
 */
export async function windowBounds(
  pool: Pool,
  window: {
    faultStart: Date;
    baselineMs: number;
    incidentId?: string;
    firstAnomalyAt?: Date;
    services?: readonly string[];
  },
) {
  const firstAnomaly = window.firstAnomalyAt?.getTime() ?? window.faultStart.getTime();
  const rule = quietBaselineRule(window.baselineMs);
  const reachFrom = window.faultStart.getTime() - rule.reachMs;
  const [others, traffic] = await Promise.all([
    incidentPeriods(pool, {
      from: new Date(reachFrom),
      to: new Date(firstAnomaly),
      exceptIncidentId: window.incidentId,
    }),
    trafficBuckets(pool, { from: new Date(reachFrom), to: window.faultStart }),
  ]);
  const faultStart = faultWindowStart(window.faultStart.getTime(), firstAnomaly, others);
  const floor = afterLastTrafficGap(
    traffic,
    { from: reachFrom, to: window.faultStart.getTime() },
    rule,
  );
  const busy = periodsOfItsServices(others, window.services);
  return {
    faultStart,
    baselineStart: quietBaselineStart(faultStart, busy, floor, rule),
    others: busy,
  };
}

/** The evidence the methods rank from: the loaded rows, the hour before, the window's bounds. */
export function windowEvidence(
  telemetry: WindowTelemetry,
  history: {
    logGroups: HistoryLogGroup[];
    latencyLevels: OperationLatencyLevel[];
    metricReadings?: WindowTelemetry['metrics'];
  },
  bounds: { baselineStart: number; faultStart: number; others: { from: number; to: number }[] },
  end: Date,
) {
  return buildEvidence(
    telemetry.spans,
    telemetry.logs,
    telemetry.metrics,
    {
      baselineStart: bounds.baselineStart,
      faultStart: bounds.faultStart,
      end: end.getTime(),
      excluded: bounds.others,
    },
    {
      history: { groups: history.logGroups, minutes: logHistoryMs / 60_000 },
      latencyHistory: history.latencyLevels,
      ...(history.metricReadings && { metricHistory: history.metricReadings }),
    },
  );
}

/** The members fused, with what the store and the cluster say of the leading candidates. */
export async function fuseWithCluster(
  pool: Pool,
  kube: KubeConfig | undefined,
  members: MemberRankings,
  window: { faultStart: Date; end: Date },
): Promise<RootCauseCandidate[]> {
  const services = fuse(members)
    .slice(0, outsideCandidates)
    .map((c) => c.service);
  const outside = await collectOutsideSignals({ pool, kube }, { ...window, services });
  return fuseWithOutside(members, outside);
}

/**
 * Ranks root-cause candidates for a fault window against the baseline before it (`windowBounds`),
 * from the telemetry in PostgreSQL, with every method and their ensemble.
 */
export async function rankWindow(
  pool: Pool,
  window: {
    faultStart: Date;
    end: Date;
    baselineMs: number;
    incidentId?: string;
    firstAnomalyAt?: Date;
    /** The incident's services: the baseline is judged quiet for them (`windowBounds`). */
    services?: readonly string[];
    /** The services of the incident's first anomaly: where the fault's onset is read back from. */
    firstAnomalyServices?: readonly string[];
    memoryBudgetBytes?: number;
    /** How long each history read (log lines, latency and metric levels) may take; `historyBudgetMs` by default. */
    historyBudgetMs?: number;
    /** Metrics of services our store has none of (e.g. from the team's Prometheus). */
    metrics?: MetricsSource | undefined;
    /** The cluster, for its account of the candidates' workloads. */
    kube?: KubeConfig | undefined;
  },
) {
  const leadBounds = await windowBounds(pool, window);
  const { baselineStart } = leadBounds;
  const historyWindow = logHistoryWindow(baselineStart);
  const budget = { budgetMs: window.historyBudgetMs ?? historyBudgetMs };
  // Each history only tempers what the baseline alone would call new: one not read in time is
  // left out (the ranking then judges by the baseline, as before) and the investigation says so.
  const notes: string[] = [];
  const orLeftOut = (what: string) => (err: unknown) => {
    notes.push(
      pastStatementBudget(err)
        ? `${what} left out: not read within its ${budget.budgetMs} ms budget`
        : `${what} left out: ${String(err)}`,
    );
    return [];
  };
  const [telemetry, historyGroups, latencyLevels, metricHistory] = await Promise.all([
    loadWindowTelemetry(pool, { from: new Date(baselineStart), to: window.end }),
    historyLogGroups(pool, historyWindow, budget).catch(
      orLeftOut('log history of the hour before'),
    ),
    operationLatencyLevels(pool, historyWindow, budget).catch(
      orLeftOut('latency history of the hour before'),
    ),
    // A metric level is known only if the system reached it while no incident was going on:
    // otherwise a fault that comes back within the hour reads as routine (issue #20, `rc21`).
    // Every incident counts, whatever services it names (detection's view, not all its fault
    // touched); leaving a period out only shortens the history. Without the incidents' periods
    // no reading can be told quiet, so the history goes too.
    incidentPeriods(pool, { ...historyWindow, exceptIncidentId: window.incidentId })
      .then((busy) => metricHistoryReadings(pool, historyWindow, { ...budget, busy }))
      .catch(orLeftOut('metric history of the hour before')),
  ]);
  const outsideServices = new Set<string>();
  if (window.metrics) {
    const stored = new Set(telemetry.metrics.map((m) => m.service));
    // Without them the ranking still has our own telemetry: a Prometheus outage is no reason to wait.
    const read = await window.metrics
      .evidence(new Date(baselineStart), window.end)
      .catch((err: unknown) => {
        console.warn(`[investigation] Prometheus metrics not read: ${String(err)}`);
        return [];
      });
    for (const m of read) if (!stored.has(m.service)) outsideServices.add(m.service);
    telemetry.metrics.push(...read.filter((m) => !stored.has(m.service)));
  }
  assertEvidenceFits(telemetry, window.end.getTime() - baselineStart, window.memoryBudgetBytes);
  // With a first anomaly, the ranked fault period starts at the fault's onset within the lead.
  const bounds = window.firstAnomalyAt
    ? fromOnset(
        leadBounds,
        faultOnset(
          telemetry,
          {
            baselineStart,
            leadStart: leadBounds.faultStart,
            firstAnomaly: window.firstAnomalyAt.getTime(),
            excluded: leadBounds.others,
          },
          {
            incident: window.services && new Set(window.services),
            firstAnomaly: new Set(window.firstAnomalyServices),
          },
        ),
      )
    : leadBounds;
  const { faultStart } = bounds;
  notes.push(
    ...missingDataNotes(telemetry, { baselineStart, faultStart, end: window.end.getTime() }),
  );
  const evidence = windowEvidence(
    telemetry,
    { logGroups: historyGroups, latencyLevels, metricReadings: metricHistory },
    bounds,
    window.end,
  );
  // A service the traces never name but Prometheus has series of is a candidate all the same.
  evidence.services = [...new Set([...evidence.services, ...outsideServices])].sort();
  const members = rankAll(evidence);
  const ranking = await fuseWithCluster(pool, window.kube, members, {
    faultStart: new Date(faultStart),
    end: window.end,
  });
  return {
    ranking,
    members,
    telemetry,
    baselineStart: new Date(baselineStart),
    faultStart: new Date(faultStart),
    /** What the ranking had to go without, and why. */
    notes,
  };
}

export function createInvestigationActivities({
  pool,
  metrics,
  postgres,
  kube,
}: {
  pool: Pool;
  metrics?: MetricsSource | undefined;
  /** The databases PostgreSQL runbooks may act on, to name the one where a fault shows. */
  postgres?: PostgresSettings | undefined;
  kube?: KubeConfig | undefined;
}) {
  return {
    /**
     * Collects the evidence for the fault window against its baseline from PostgreSQL and ranks
     * root-cause candidates with every method and their ensemble. Idempotent per investigation.
     */
    async rankRootCauses(input: InvestigationInput): Promise<RankedRootCauses> {
      const existing = await findInvestigation(pool, input.investigationId);
      const record =
        existing ??
        (await (async () => {
          const end = new Date(input.end);
          const { ranking, members, telemetry, baselineStart, faultStart, notes } =
            await rankWindow(pool, {
              faultStart: new Date(input.faultStart),
              end,
              baselineMs: input.baselineMinutes * 60_000,
              incidentId: input.incidentId,
              firstAnomalyAt: input.firstAnomalyAt ? new Date(input.firstAnomalyAt) : undefined,
              services: input.incident && [input.incident.service, ...input.incident.services],
              firstAnomalyServices:
                input.incident && input.firstAnomalyAt
                  ? firstAnomalyServices(input.incident.anomalies, Date.parse(input.firstAnomalyAt))
                  : undefined,
              metrics,
              kube,
            });
          const fresh = {
            investigationId: input.investigationId,
            incidentId: input.incidentId,
            baselineStart,
            faultStart,
            end,
            traceSampleRatio: telemetry.traceSampleRatio,
            spans: telemetry.spans.length,
            candidates: ranking,
            members,
            notes,
          };
          await saveInvestigation(pool, fresh);
          return fresh;
        })());
      return {
        investigationId: record.investigationId,
        candidates: trim(record.candidates),
        spans: record.spans,
        traceSampleRatio: record.traceSampleRatio,
        methods: Object.keys(record.members),
        firstPicks: firstPicks(record.members),
        notes: record.notes,
      };
    },

    /**
     * Where the root-cause service runs, so a runbook knows what to act on; with the database
     * where the fault shows, when the service is one or its calls to one slowed.
     */
    async resolveRemediationTarget(service: string): Promise<RemediationTarget> {
      const placement = await latestRemediationTarget(pool, service);
      const database = postgres
        ? databaseTarget(service, await postgresCallsOf(pool, service), postgres)
        : undefined;
      return { ...placement, ...(database && { database }) };
    },

    async recordInvestigationSummary(investigationId: string, summary: unknown): Promise<void> {
      await saveInvestigationSummary(pool, investigationId, summary);
    },
  };
}
