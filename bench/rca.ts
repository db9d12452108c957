/**
 * Root-cause ranking benchmark: seeded simulator scenarios over both topologies, every fault
 * kind and three scenario profiles; AC@1, AC@3 and Avg@5 at service level per method, the
 * ensemble's ablation, and the investigation latency (evidence → ranked list). Evaluation seeds
 * are 1…N; the GNN trains on seeds from 100001 and the fusion is fitted on seeds 5001…5008
 * (bench/train-gnn.ts). Run: `npm run bench:rca` (or `npx tsx bench/rca.ts`; RCA_SEEDS=N
 * changes seeds per case).
 */
import { buildEvidence } from '../activities/rca/evidence';
import { fuse, fusionModel, investigate } from '../activities/rca/ensemble';
import { faultKinds, type FaultKind } from '../simulator/faults';
import { onlineBoutique } from '../simulator/online-boutique';
import { makeScenario, type ScenarioOptions } from '../simulator/scenario';
import { collect } from '../simulator/simulate';
import { trainTicket } from '../simulator/train-ticket';
import { loadavg } from 'node:os';
import { machineDescription, writeBenchmarkSection } from './report';
import { runNezha } from './nezha/bench';
import { defaultNezhaRoot } from './nezha/dataset';
import { nezhaLearnedNote, nezhaReport } from './nezha/report';
import { accuracy, f2, quantileOf, rankOf, signTest, type Accuracy } from './rca-scoring';

const seedsPerCase = Number(process.env.RCA_SEEDS ?? 12);
export const topologies = [onlineBoutique, trainTicket];

/** A scenario configuration; every method sees the same scenarios. */
export interface Profile {
  name: string;
  description: string;
  options(seed: number): ScenarioOptions;
}

/**
 * `standard` is the simulator's default. `hard` was fixed before any method was evaluated on
 * it: an incident caught at onset (60 s of fault instead of 120 s), 20 rps instead of 50, each
 * fault drawn from the weaker half of its strength range, and 2–5 concurrent benign events
 * instead of 1–3. The GNN trains on, and the fusion is fitted on, both.
 */
export const profiles: readonly Profile[] = [
  {
    name: 'standard',
    description:
      '50 rps, 240 s baseline + 120 s fault window, full fault-strength ranges, 1–3 benign background events',
    options: () => ({}),
  },
  {
    name: 'hard',
    description:
      '20 rps, 240 s baseline + 60 s fault window (onset), weaker half of each fault-strength range, 2–5 benign background events',
    options: (seed) => ({
      rps: 20,
      faultSec: 60,
      faultIntensity: 0.5,
      noiseEvents: 2 + (seed % 4),
    }),
  },
  {
    name: 'live',
    description:
      '15 rps, 300 s baseline, the window the incident workflow ranks: from 60 s before the fault to 30 s into it (a fault lasting 180 s, so a leak has barely begun)',
    options: () => ({
      rps: 15,
      baselineSec: 300,
      faultSec: 180,
      windowLeadSec: 60,
      observeSec: 30,
    }),
  },
];

interface Outcome {
  topology: string;
  kind: FaultKind;
  /** Method → 1-based rank of the true root-cause service (Infinity if absent). */
  ranks: Record<string, number>;
  investigationMs: number;
  evidenceMs: number;
  simulateMs: number;
  spans: number;
}

function run(profile: Profile): Outcome[] {
  const outcomes: Outcome[] = [];
  const total = topologies.length * faultKinds.length * seedsPerCase;
  const { ablations } = fusionModel();
  for (const topology of topologies) {
    for (const kind of faultKinds) {
      for (let seed = 1; seed <= seedsPerCase; seed++) {
        const scenario = makeScenario(topology, kind, seed, profile.options(seed));
        const tSim = performance.now();
        const t = collect(scenario);
        const t0 = performance.now();
        const evidence = buildEvidence(t.spans, t.logs, t.metrics, scenario.window);
        const t1 = performance.now();
        const { ranking, members } = investigate(evidence);
        const t2 = performance.now();
        const truth = scenario.groundTruth.service;
        const ranks: Record<string, number> = { ensemble: rankOf(ranking, truth) };
        for (const [name, list] of Object.entries(members)) ranks[name] = rankOf(list, truth);
        // Ablation: the fusion refitted (on the tuning seeds) without one member at a time.
        for (const left of Object.keys(members)) {
          const rest = Object.fromEntries(Object.entries(members).filter(([n]) => n !== left));
          ranks[`ensemble − ${left}`] = rankOf(fuse(rest, ablations[left]), truth);
        }
        outcomes.push({
          topology: topology.name,
          kind,
          ranks,
          investigationMs: t2 - t1,
          evidenceMs: t1 - t0,
          simulateMs: t0 - tSim,
          spans: t.spans.length,
        });
        process.stderr.write(
          `\r${profile.name} ${outcomes.length}/${total} ${scenario.name}        `,
        );
      }
    }
  }
  process.stderr.write('\n');
  return outcomes;
}

function profileReport(profile: Profile, outcomes: readonly Outcome[]): string[] {
  const first = outcomes[0];
  if (!first) return ['no scenarios'];
  const all = Object.keys(first.ranks);
  const methods = all.filter((m) => !m.includes('−'));
  const ablations = all.filter((m) => m.includes('−'));
  const ranksOf = (m: string, keep: (o: Outcome) => boolean = () => true) =>
    outcomes.filter(keep).map((o) => o.ranks[m] ?? Infinity);

  const pooled = methods
    .map((m) => ({ m, a: accuracy(ranksOf(m)) }))
    .sort((x, y) => y.a.ac1 - x.a.ac1 || y.a.avg5 - x.a.avg5);
  const lines: string[] = [];
  lines.push(
    `### Profile \`${profile.name}\`: ${profile.description}`,
    '',
    `${outcomes.length} scenarios = 2 topologies × ${faultKinds.length} fault kinds × ${seedsPerCase} evaluation seeds (1…${seedsPerCase}).`,
    '',
    '#### Pooled',
    '',
    '| method | AC@1 | AC@3 | Avg@5 |',
    '|---|---|---|---|',
    ...pooled.map(({ m, a }) => `| ${m} | ${f2(a.ac1)} | ${f2(a.ac3)} | ${f2(a.avg5)} |`),
    '',
  );
  const ensemble = accuracy(ranksOf('ensemble'));
  const rivals = pooled.filter(({ m }) => m !== 'ensemble');
  const beaten = (key: keyof Accuracy) => {
    const closest = [...rivals].sort((x, y) => y.a[key] - x.a[key])[0];
    return rivals.every(({ a }) => ensemble[key] > a[key])
      ? // Three decimals: at the ceiling the two-decimal table shows a tie.
        `yes (${ensemble[key].toFixed(3)} vs ${closest?.m} ${closest?.a[key].toFixed(3)})`
      : `no (${rivals
          .filter(({ a }) => a[key] >= ensemble[key])
          .map(({ m, a }) => `${m} ${f2(a[key])}`)
          .join(', ')})`;
  };
  const slowest = Math.max(
    ...outcomes.filter((o) => o.topology === trainTicket.name).map((o) => o.investigationMs),
  );
  // Paired against the strongest member: how often each is right at top 1 where the other is not.
  const best = rivals[0];
  const paired = best
    ? (() => {
        const wins = outcomes.filter((o) => o.ranks.ensemble === 1 && o.ranks[best.m] !== 1).length;
        const losses = outcomes.filter(
          (o) => o.ranks.ensemble !== 1 && o.ranks[best.m] === 1,
        ).length;
        return ` Paired against the strongest member (${best.m}) at top 1: the ensemble alone is right in ${wins} scenarios, ${best.m} alone in ${losses} (two-sided sign test p = ${signTest(wins, losses).toFixed(2)}).`;
      })()
    : '';
  lines.push(
    `Targets: ensemble AC@1 ≥ 0.85: ${ensemble.ac1 >= 0.85 ? 'met' : 'missed'} (${f2(ensemble.ac1)}); Avg@5 ≥ 0.93: ${ensemble.avg5 >= 0.93 ? 'met' : 'missed'} (${f2(ensemble.avg5)}); higher than every single method on AC@1: ${beaten('ac1')}; on Avg@5: ${beaten('avg5')}; < 5 s per investigation: ${slowest < 5000 ? 'met' : 'missed'} (slowest ${slowest.toFixed(0)} ms).${paired}`,
    '',
  );

  const table = (title: string, groups: string[], keep: (o: Outcome, g: string) => boolean) => {
    lines.push(
      `#### ${title} (AC@1 / Avg@5)`,
      '',
      `| group | n | ${methods.join(' | ')} |`,
      `|---|---|${methods.map(() => '---').join('|')}|`,
    );
    for (const g of groups) {
      const n = outcomes.filter((o) => keep(o, g)).length;
      const cells = methods.map((m) => {
        const a = accuracy(ranksOf(m, (o) => keep(o, g)));
        return `${f2(a.ac1)} / ${f2(a.avg5)}`;
      });
      lines.push(`| ${g} | ${n} | ${cells.join(' | ')} |`);
    }
    lines.push('');
  };
  table('Per fault kind', [...faultKinds], (o, g) => o.kind === g);
  table(
    'Per topology',
    topologies.map((t) => t.name),
    (o, g) => o.topology === g,
  );

  lines.push(
    '#### Ensemble ablation (pooled; the fusion refitted on the tuning seeds without the member)',
    '',
    '| fused methods | AC@1 | Avg@5 | ΔAC@1 vs full |',
    '|---|---|---|---|',
    `| all | ${f2(ensemble.ac1)} | ${f2(ensemble.avg5)} | — |`,
    ...ablations.map((m) => {
      const a = accuracy(ranksOf(m));
      return `| all ${m.replace('ensemble ', '')} | ${f2(a.ac1)} | ${f2(a.avg5)} | ${(a.ac1 - ensemble.ac1).toFixed(3)} |`;
    }),
    '',
  );
  return lines;
}

function latencyReport(outcomes: readonly Outcome[]): string[] {
  const tt = outcomes.filter((o) => o.topology === trainTicket.name);
  const row = (step: string, values: number[]) =>
    `| ${step} | ${quantileOf(values, 0.5).toFixed(0)} | ${quantileOf(values, 0.95).toFixed(0)} | ${Math.max(...values).toFixed(0)} |`;
  return [
    '### Investigation latency (profile `standard`, train-ticket, 40 services)',
    '',
    '| step | median ms | p95 ms | max ms |',
    '|---|---|---|---|',
    row(
      'evidence → ranked list (all methods + GNN + fusion)',
      tt.map((o) => o.investigationMs),
    ),
    row(
      'building evidence from raw telemetry (not part of ranking)',
      tt.map((o) => o.evidenceMs),
    ),
    row(
      `simulating the scenario (median ${quantileOf(
        tt.map((o) => o.spans),
        0.5,
      ).toFixed(0)} spans)`,
      tt.map((o) => o.simulateMs),
    ),
  ];
}

function report(
  results: readonly { profile: Profile; outcomes: Outcome[] }[],
  elapsedSec: number,
): string {
  const lines: string[] = [];
  lines.push('## Root-cause ranking (simulated incidents)', '');
  lines.push(
    `Command: \`npx tsx bench/rca.ts\` (\`npm run bench:rca\`) · Machine: ${machineDescription()} · Date: ${new Date().toISOString().slice(0, 10)}`,
    '',
    `Three scenario profiles, each 2 topologies (online-boutique: 11 services, train-ticket: 40) × ${faultKinds.length} fault kinds × ${seedsPerCase} evaluation seeds (1…${seedsPerCase}); 10 s buckets, benign background events (cron CPU spikes, GC pauses, routine rollouts, chatty logs) overlapping the fault. \`standard\` is the simulator's default; \`hard\` was fixed before any method was evaluated on it, to leave the ceiling: fewer requests, the incident caught at onset, subtler faults, more benign events. \`live\` is the window the incident workflow ranks in the running engine (from 60 s before the first anomaly to 30 s after it, \`AIOPS_INCIDENT_EVIDENCE_SECONDS\`, about 30 s into the fault), added after bench:detection-replay showed live rankings weaker than the first two profiles. Service-level accuracy; in \`standard\` and \`hard\` the investigation window starts at the injection time. The GNN already reads every member's scores as features (it is itself a learned fusion), so the ensemble's margin over it is small: the paired counts under each pooled table, not the two-decimal columns, say whether it is real. Seeds: the GNN is trained on 100001…100008 per profile × topology × fault kind (\`npm run train:gnn\`); the fusion (stacking weights, and the refitted weights of each ablation row) is fitted on the tuning seeds named in activities/rca/fusion-weights.json (from 5001) together with the recorded Nezha faults, the two counting equally; evaluation seeds are never used for either. Run time ${elapsedSec.toFixed(0)} s; 1-minute load average at the end ${loadavg()[0]?.toFixed(1)} (a shared machine: latencies include contention).`,
    '',
  );
  for (const { profile, outcomes } of results) lines.push(...profileReport(profile, outcomes));
  const standard = results.find((r) => r.profile.name === 'standard');
  if (standard) lines.push(...latencyReport(standard.outcomes));
  return lines.join('\n');
}

/** `--profile a,b` (default: every simulator profile and `nezha`); `--days d1,d2` limits Nezha. */
function parseArgs(argv: readonly string[]): { profiles: string[]; days?: string[] } {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1]?.split(',').filter(Boolean) : undefined;
  };
  const names = value('--profile') ?? [...profiles.map((p) => p.name), 'nezha'];
  const known = new Set([...profiles.map((p) => p.name), 'nezha']);
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length)
    throw new Error(`unknown profile ${unknown.join(', ')} (known: ${[...known].join(', ')})`);
  return { profiles: names, days: value('--days') };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const simulated = profiles.filter((p) => args.profiles.includes(p.name));
  if (simulated.length) {
    const started = performance.now();
    const results = simulated.map((profile) => ({ profile, outcomes: run(profile) }));
    const markdown = report(results, (performance.now() - started) / 1000);
    console.log(markdown);
    await writeBenchmarkSection('rca', markdown);
  }
  if (args.profiles.includes('nezha')) {
    const started = performance.now();
    const outcomes = await runNezha({
      filter: args.days ? (f) => args.days!.includes(f.day) : undefined,
    });
    if (!outcomes) {
      console.log(`nezha profile skipped: no Nezha data under ${defaultNezhaRoot}`);
      return;
    }
    const markdown = nezhaReport(outcomes, {
      elapsedSec: (performance.now() - started) / 1000,
      learned: nezhaLearnedNote,
    });
    console.log(markdown);
    if (!args.days) await writeBenchmarkSection('rca-nezha', markdown);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
