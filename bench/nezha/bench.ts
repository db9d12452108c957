/**
 * The `nezha` profile of bench:rca: every fault of `../shared/data/nezha` replayed (./replay.ts)
 * through the real OTLP/HTTP receiver into a scratch PostgreSQL, then ranked by `rankWindow`,
 * the code of the incident workflow's rankRootCauses activity and of `aiops investigate`, over
 * the stored rows. Each fault is shifted to recent time (its own 10-minute slot ending hours
 * ago), so the default raw retention keeps it and no two faults' windows overlap.
 */
import { rankWindow } from '../../activities/investigation';
import type { RootCauseCandidate } from '../../activities/rca/candidate';
import { fuse, fusionModel } from '../../activities/rca/ensemble';
import { startReceivers } from '../../ingest/receivers';
import { loadConfig } from '../../worker/config';
import { freePort } from '../../worker/stack/ports';
import { withScratchDatabase } from '../scratch-database';
import {
  defaultNezhaRoot,
  listDays,
  listFaults,
  type MetricRow,
  type NezhaFault,
  type NezhaFaultType,
  type NezhaSystem,
} from './dataset';
import {
  baselineSource,
  buildFaultReplay,
  dayMetrics,
  type BaselineSource,
  type FaultReplay,
} from './replay';
import { sendReplay } from './send';
import { recordSlotIncidents, slotIncident } from './slot-incidents';
import type { Pool } from '../../store/db';

export interface NezhaOutcome {
  fault: NezhaFault;
  /** Method → 1-based rank of the true service (Infinity if not a candidate). */
  ranks: Record<string, number>;
  /** The ensemble's top five services, for the per-fault listing. */
  top: string[];
  candidates: number;
  spans: number;
  /** rankWindow: loading the rows, building evidence, ranking. */
  rankMs: number;
  absent: { trace: string[]; log: string[] };
  baseline: string;
}

/** The ensemble fused by the weights fitted without the scored system's faults. */
export const leftOut = 'ensemble, system left out';

const slotMs = 10 * 60_000;
const baselineMinutes = 3;

function rankOf(ranking: readonly RootCauseCandidate[], service: string): number {
  const i = ranking.findIndex((c) => c.service === service);
  return i < 0 ? Infinity : i + 1;
}

export function nezhaFaults(root = defaultNezhaRoot): NezhaFault[] {
  return listDays(root).flatMap((day) => listFaults(day, root));
}

/** Whole minutes, ending two hours ago: inside the default retention, never in the future. */
export function faultSlots(count: number): {
  injectAt: (i: number) => Date;
  partitions: { from: Date; to: Date };
} {
  const firstSlot = Math.floor((Date.now() - 2 * 3_600_000 - count * slotMs) / 60_000) * 60_000;
  return {
    injectAt: (i) => new Date(firstSlot + i * slotMs + baselineMinutes * 60_000),
    partitions: { from: new Date(firstSlot - 3_600_000), to: new Date(Date.now() + 3_600_000) },
  };
}

/**
 * Sends every fault's replay through a real OTLP/HTTP receiver into `pool`'s database, the
 * i-th fault injected at `injectAt(i)`; resolves once every row is stored.
 */
export async function replayFaults(
  pool: Pool,
  faults: readonly NezhaFault[],
  options: { injectAt: (i: number) => Date; root: string; log: (line: string) => void },
): Promise<FaultReplay[]> {
  const { injectAt, root, log } = options;
  const config = loadConfig({
    AIOPS_OTLP_GRPC_PORT: String(await freePort()),
    AIOPS_OTLP_HTTP_PORT: String(await freePort()),
  });
  const receivers = await startReceivers({ config, pool, tuning: { edgeWaitMs: 2_000 } });
  const endpoint = `http://127.0.0.1:${receivers.httpPort}`;
  const days = new Map<string, { baseline: BaselineSource; metrics: Map<string, MetricRow[]> }>();
  const replays: FaultReplay[] = [];
  try {
    for (const [i, fault] of faults.entries()) {
      const day = days.get(fault.day) ?? {
        baseline: baselineSource(fault.day, root),
        metrics: dayMetrics(fault.day, root),
      };
      days.set(fault.day, day);
      const replay = buildFaultReplay(fault, { injectAt: injectAt(i), ...day, root });
      await sendReplay(endpoint, replay.requests);
      replays.push(replay);
      log(
        `sent ${i + 1}/${faults.length} ${fault.day} ${fault.service} ${fault.type}: ${replay.counts.spans} spans, ${replay.counts.logs} logs, ${replay.counts.metricRows} metric rows`,
      );
    }
  } finally {
    await receivers.stop(); // flushes the queue: every row is stored before ranking
  }
  return replays;
}

/** Replays and ranks every fault; null when the data is not there (the profile is skipped). */
export async function runNezha(
  options: {
    root?: string;
    filter?: (f: NezhaFault) => boolean;
    log?: (line: string) => void;
    /** Called with each fault's replay and ranked result (e.g. to keep its telemetry). */
    onRanked?: (replay: FaultReplay, result: Awaited<ReturnType<typeof rankWindow>>) => void;
  } = {},
): Promise<NezhaOutcome[] | null> {
  const root = options.root ?? defaultNezhaRoot;
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const faults = nezhaFaults(root).filter(options.filter ?? (() => true));
  if (!faults.length) return null;
  const { injectAt, partitions } = faultSlots(faults.length);

  return withScratchDatabase('rca-nezha', partitions, async (pool) => {
    const replays = await replayFaults(pool, faults, { injectAt, root, log });
    await recordSlotIncidents(pool, replays);

    const outcomes: NezhaOutcome[] = [];
    for (const [i, replay] of replays.entries()) {
      const t0 = performance.now();
      const result = await rankWindow(pool, {
        faultStart: replay.window.start,
        end: replay.window.end,
        baselineMs: replay.baselineMinutes * 60_000,
        // As the incident workflow ranks: its own period is not another incident's.
        incidentId: slotIncident(replay, i).incidentId,
      });
      const rankMs = performance.now() - t0;
      options.onRanked?.(replay, result);
      const { ranking, members, telemetry, notes } = result;
      const truth = replay.fault.service;
      const ranks: Record<string, number> = { ensemble: rankOf(ranking, truth) };
      // The headline: the fusion refitted without this system's faults.
      const unseen = fusionModel().leaveOneSystemOut?.[replay.fault.system];
      if (unseen) ranks[leftOut] = rankOf(fuse(members, unseen), truth);
      for (const [name, list] of Object.entries(members)) ranks[name] = rankOf(list, truth);
      outcomes.push({
        fault: replay.fault,
        ranks,
        top: ranking.slice(0, 5).map((c) => c.service),
        candidates: ranking.length,
        spans: telemetry.spans.length,
        rankMs,
        absent: replay.absent,
        baseline: replay.baseline,
      });
      log(
        // A history past its budget changes the ranking with the machine's load: say so.
        `ranked ${outcomes.length}/${replays.length} ${replay.fault.service} ${replay.fault.type}: rank ${ranks.ensemble} (${rankMs.toFixed(0)} ms)${notes.length ? `; ${notes.join('; ')}` : ''}`,
      );
    }
    return outcomes;
  });
}

export const systems: NezhaSystem[] = ['train-ticket', 'online-boutique'];
export const faultTypes: NezhaFaultType[] = [
  'cpu_contention',
  'cpu_consumed',
  'network_delay',
  'exception',
  'return',
];
