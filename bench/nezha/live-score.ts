import { median } from '../../activities/rca/stats';
import { minuteMs, settingsLine, type LivePlan, type LiveSettings } from './live-timeline';

/**
 * The score of a run of the live timeline, from the incidents it opened: bench:live reads them
 * from the engine's incident table, bench:live-replay from its emulated incident workflow.
 */
export interface IncidentRow {
  incident_id: string;
  fingerprint: string;
  opened_at: Date;
  service: string;
  /** The services the incident names besides its own, as it stands when the table is read. */
  services: string[];
  /** The incident's final root cause: after the matured ranking when it ranked again. */
  root_cause: { service?: string } | null;
  /** The top of the investigation the incident ran when it opened. */
  opening_root_cause: string | null;
}

export interface OpeningAnomaly {
  seriesKey: string;
  score: number;
  value: number;
  baseline?: number;
  at: string;
}

export const describeAnomaly = (a: OpeningAnomaly) =>
  `${a.at.slice(11, 19)} ${a.seriesKey} ${a.value.toFixed(a.value < 10 ? 2 : 0)}${a.baseline === undefined ? '' : ` vs ${a.baseline.toFixed(a.baseline < 10 ? 2 : 0)}`} (${a.score.toFixed(3)})`;

export const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);

/** Each incident with why it opened (its opening pass's anomalies, strongest first). */
export function whyOpened(
  incidents: readonly IncidentRow[],
  why: ReadonlyMap<string, readonly OpeningAnomaly[]>,
): string {
  return [
    "Why each incident opened (the opening pass's anomalies, strongest first):",
    ...incidents.map((r) => {
      const anomalies = why.get(r.incident_id) ?? [];
      return `- ${clock(r.opened_at.getTime())} ${r.incident_id}: ${anomalies.slice(0, 4).map(describeAnomaly).join('; ')}${anomalies.length > 4 ? `; +${anomalies.length - 4} more` : ''}`;
    }),
  ].join('\n');
}

/** bench:live's table: per fault, then the measures against issue #20's targets. */
export function liveMarkdown(
  run: LivePlan,
  incidents: readonly IncidentRow[],
  start: number,
  settings: LiveSettings,
  command = 'npm run bench:live',
): string {
  const at = (r: IncidentRow) => r.opened_at.getTime();
  const warmups = run.replayedDays * settings.warmupMinutes;
  const falseOnes = incidents.filter((r) =>
    run.scored.some((s) => at(r) >= s.from && at(r) < s.to),
  );
  const freeMinutes = run.scored.reduce((sum, s) => sum + (s.to - s.from), 0) / minuteMs;
  const rows = run.slots.map((slot) => {
    const mine = incidents.filter((r) => at(r) >= slot.injectAt && at(r) < slot.until);
    const first = mine[0];
    return {
      slot,
      mine,
      detectS: first && (at(first) - slot.injectAt) / 1000,
      rootCause: first?.root_cause?.service,
      // The incident named the faulty service: what opened in the fault's window was about it.
      namesFault:
        first !== undefined && [first.service, ...first.services].includes(slot.fault.service),
      openingRootCause: first?.opening_root_cause ?? undefined,
      blamed: first?.service,
    };
  });
  const detected = rows.filter((r) => r.detectS !== undefined);
  const namingFault = detected.filter((r) => r.namesFault);
  const recorded = recordedTrafficRate(run.scored, at, falseOnes);
  const pct = (n: number) => `${((100 * n) / Math.max(1, rows.length)).toFixed(0)}%`;
  const table = rows
    .map(
      (r, i) =>
        `| ${settings.faults ? r.slot.number : i + 1} | ${r.slot.fault.day} ${r.slot.fault.injectTime.toISOString().slice(11, 19)} | ${r.slot.fault.type} | ${r.slot.fault.service} | ${r.detectS?.toFixed(0) ?? 'missed'} | ${r.blamed ?? '–'} | ${r.detectS === undefined ? '–' : r.namesFault ? 'yes' : 'no'} | ${r.openingRootCause ?? '–'} | ${r.rootCause ?? '–'} | ${r.mine.length} |`,
    )
    .join('\n');
  return `
${settingsLine(settings)} ${command} — from ${new Date(start).toISOString()}, ${incidents.length} incidents in all

| # | fault (day, inject_time) | type | service | detect (s) | incident blames | incident names the faulty service | top root cause at opening | top root cause after re-rank | incidents |
|---|---|---|---|---|---|---|---|---|---|
${table}

| measure | result |
|---|---|
| faults detected | ${detected.length}/${rows.length} (${pct(detected.length)}) |
| of them, by an incident that names the faulty service | ${namingFault.length}/${rows.length} (${pct(namingFault.length)}) |
| median time to detect | ${median(detected.map((r) => r.detectS!)).toFixed(0)} s |
| median time to detect, by an incident that names the faulty service | ${namingFault.length ? `${median(namingFault.map((r) => r.detectS!)).toFixed(0)} s` : '–'} |
| top root cause right at opening | ${pct(rows.filter((r) => r.openingRootCause === r.slot.fault.service).length)} |
| top root cause right after re-rank | ${pct(rows.filter((r) => r.rootCause === r.slot.fault.service).length)} |
| incidents per fault | ${(rows.reduce((s, r) => s + r.mine.length, 0) / Math.max(1, rows.length)).toFixed(2)} |
| false incidents, fault-free traffic | ${falseOnes.length} in ${freeMinutes.toFixed(1)} min (${((60 * falseOnes.length) / Math.max(1e-9, freeMinutes)).toFixed(1)}/h)${falseOnes.length ? ` [${falseOnes.map((r) => r.service).join(', ')}]` : ''} |
| false incidents, recorded traffic before the injections | ${recorded.incidents} in ${recorded.minutes.toFixed(1)} min (${(60 * recorded.perMinute).toFixed(1)}/h) |
| detections expected by chance at that rate | ${expectedByChance(run.slots, recorded.perMinute).toFixed(1)} of ${rows.length} |
| warm-up (not scored) | ${warmups} min |

False incidents by fault-free stretch: ${falseByStretch(run.scored, at, falseOnes)}
`;
}

/** Where the false incidents opened: per day, in the looped background or a recording's first seconds. */
function falseByStretch(
  scored: LivePlan['scored'],
  at: (r: IncidentRow) => number,
  falseOnes: readonly IncidentRow[],
): string {
  const tally = new Map<string, { incidents: number; minutes: number }>();
  for (const s of scored) {
    const key = `${s.day} ${s.looped ? 'looped background' : 'before injection'}`;
    const t = tally.get(key) ?? { incidents: 0, minutes: 0 };
    t.minutes += (s.to - s.from) / minuteMs;
    t.incidents += falseOnes.filter((r) => at(r) >= s.from && at(r) < s.to).length;
    tally.set(key, t);
  }
  return [...tally]
    .map(([key, t]) => `${key}: ${t.incidents} in ${t.minutes.toFixed(1)} min`)
    .join('; ');
}

/**
 * The false-incident rate on the recordings' own traffic (the seconds before each injection): the
 * looped background is one minute the engine learns, so the rate over all fault-free minutes
 * understates what a fault window, whose traffic is the recording's, opens without the fault.
 */
function recordedTrafficRate(
  scored: LivePlan['scored'],
  at: (r: IncidentRow) => number,
  falseOnes: readonly IncidentRow[],
): { incidents: number; minutes: number; perMinute: number } {
  const recorded = scored.filter((s) => !s.looped);
  const minutes = recorded.reduce((sum, s) => sum + (s.to - s.from), 0) / minuteMs;
  const incidents = falseOnes.filter((r) =>
    recorded.some((s) => at(r) >= s.from && at(r) < s.to),
  ).length;
  return { incidents, minutes, perMinute: minutes > 0 ? incidents / minutes : 0 };
}

/**
 * How many fault windows would hold an incident if incidents opened at `perMinute` regardless of
 * the faults (a Poisson count per window): a fault counts as detected when any incident opens in
 * its window, so this is the share of the detected row that chance alone accounts for.
 */
export function expectedByChance(slots: LivePlan['slots'], perMinute: number): number {
  return slots.reduce(
    (sum, s) => sum + 1 - Math.exp((-perMinute * (s.until - s.injectAt)) / minuteMs),
    0,
  );
}
