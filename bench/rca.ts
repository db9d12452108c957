/**
 * Root-cause ranking benchmark: seeded simulator scenarios over both topologies and every fault
 * kind; AC@1, AC@3 and Avg@5 at service level per method, the ensemble's ablation, and the
 * investigation latency (evidence → ranked list). Evaluation seeds are 1…N; the GNN trains on
 * seeds from 100001 (bench/train-gnn.ts) and fusion weights were set on seeds 5001…5006.
 * Run: `npm run bench:rca` (or `npx tsx bench/rca.ts`; RCA_SEEDS=N changes seeds per case).
 */
import { buildEvidence } from '../activities/rca/evidence';
import { fuse, investigate } from '../activities/rca/ensemble';
import type { RootCauseCandidate } from '../activities/rca/candidate';
import { faultKinds, type FaultKind } from '../simulator/faults';
import { onlineBoutique } from '../simulator/online-boutique';
import { makeScenario } from '../simulator/scenario';
import { collect } from '../simulator/simulate';
import { trainTicket } from '../simulator/train-ticket';
import { loadavg } from 'node:os';
import { machineDescription, writeBenchmarkSection } from './report';

const seedsPerCase = Number(process.env.RCA_SEEDS ?? 12);
const topologies = [onlineBoutique, trainTicket];

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

function rankOf(ranking: readonly RootCauseCandidate[], service: string): number {
  const i = ranking.findIndex((c) => c.service === service);
  return i < 0 ? Infinity : i + 1;
}

function run(): Outcome[] {
  const outcomes: Outcome[] = [];
  const total = topologies.length * faultKinds.length * seedsPerCase;
  for (const topology of topologies) {
    for (const kind of faultKinds) {
      for (let seed = 1; seed <= seedsPerCase; seed++) {
        const scenario = makeScenario(topology, kind, seed);
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
        // Ablation: the same fusion without one member at a time.
        for (const left of Object.keys(members)) {
          const rest = Object.fromEntries(Object.entries(members).filter(([n]) => n !== left));
          ranks[`ensemble − ${left}`] = rankOf(fuse(rest), truth);
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
        process.stderr.write(`\r${outcomes.length}/${total} ${scenario.name}        `);
      }
    }
  }
  process.stderr.write('\n');
  return outcomes;
}

interface Accuracy {
  ac1: number;
  ac3: number;
  avg5: number;
}

function accuracy(ranks: readonly number[]): Accuracy {
  const ac = (k: number) => ranks.filter((r) => r <= k).length / ranks.length;
  return { ac1: ac(1), ac3: ac(3), avg5: (ac(1) + ac(2) + ac(3) + ac(4) + ac(5)) / 5 };
}

const f2 = (x: number) => x.toFixed(2);

function quantileOf(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

function report(outcomes: readonly Outcome[], elapsedSec: number): string {
  const first = outcomes[0];
  if (!first) return 'no scenarios';
  const all = Object.keys(first.ranks);
  const methods = all.filter((m) => !m.includes('−'));
  const ablations = all.filter((m) => m.includes('−'));
  const ranksOf = (m: string, keep: (o: Outcome) => boolean = () => true) =>
    outcomes.filter(keep).map((o) => o.ranks[m] ?? Infinity);

  const pooled = methods
    .map((m) => ({ m, a: accuracy(ranksOf(m)) }))
    .sort((x, y) => y.a.ac1 - x.a.ac1 || y.a.avg5 - x.a.avg5);
  const lines: string[] = [];
  lines.push('## Root-cause ranking (simulated incidents)', '');
  lines.push(
    `Command: \`npx tsx bench/rca.ts\` (\`npm run bench:rca\`) · Machine: ${machineDescription()} · Date: ${new Date().toISOString().slice(0, 10)}`,
    '',
    `${outcomes.length} scenarios = 2 topologies (online-boutique: 11 services, train-ticket: 40) × ${faultKinds.length} fault kinds × ${seedsPerCase} evaluation seeds (1…${seedsPerCase}); 50 rps, 240 s baseline + 120 s fault window, 10 s buckets, 1–3 benign background events per scenario (cron CPU spikes, GC pauses, routine rollouts, chatty logs). Service-level accuracy; the investigation window starts at the injection time. The GNN was trained on seeds 100001… (disjoint); fusion weights and method thresholds were set on seeds 5001…5006. Run time ${elapsedSec.toFixed(0)} s; 1-minute load average at the end ${loadavg()[0]?.toFixed(1)} (a shared machine: latencies include contention).`,
    '',
    '### Pooled',
    '',
    '| method | AC@1 | AC@3 | Avg@5 |',
    '|---|---|---|---|',
    ...pooled.map(({ m, a }) => `| ${m} | ${f2(a.ac1)} | ${f2(a.ac3)} | ${f2(a.avg5)} |`),
    '',
  );
  const ensemble = accuracy(ranksOf('ensemble'));
  const rivals = pooled.filter(({ m }) => m !== 'ensemble');
  const beaten = (key: keyof Accuracy) =>
    rivals.every(({ a }) => ensemble[key] > a[key])
      ? 'yes'
      : `no (${rivals
          .filter(({ a }) => a[key] >= ensemble[key])
          .map(({ m, a }) => `${m} ${f2(a[key])}`)
          .join(', ')})`;
  const slowest = Math.max(
    ...outcomes.filter((o) => o.topology === trainTicket.name).map((o) => o.investigationMs),
  );
  lines.push(
    `Targets: ensemble AC@1 ≥ 0.85: ${ensemble.ac1 >= 0.85 ? 'met' : 'missed'} (${f2(ensemble.ac1)}); Avg@5 ≥ 0.93: ${ensemble.avg5 >= 0.93 ? 'met' : 'missed'} (${f2(ensemble.avg5)}); higher than every single method on AC@1: ${beaten('ac1')}; on Avg@5: ${beaten('avg5')}; < 5 s per investigation: ${slowest < 5000 ? 'met' : 'missed'} (slowest ${slowest.toFixed(0)} ms).`,
    '',
  );

  const table = (title: string, groups: string[], keep: (o: Outcome, g: string) => boolean) => {
    lines.push(
      `### ${title} (AC@1 / Avg@5)`,
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
    '### Ensemble ablation (pooled)',
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

  const tt = outcomes.filter((o) => o.topology === trainTicket.name);
  const row = (step: string, values: number[]) =>
    `| ${step} | ${quantileOf(values, 0.5).toFixed(0)} | ${quantileOf(values, 0.95).toFixed(0)} | ${Math.max(...values).toFixed(0)} |`;
  lines.push(
    '### Investigation latency (train-ticket, 40 services)',
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
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  const started = performance.now();
  const outcomes = run();
  const markdown = report(outcomes, (performance.now() - started) / 1000);
  console.log(markdown);
  await writeBenchmarkSection('rca', markdown);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
