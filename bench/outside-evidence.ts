import type { RootCauseCandidate } from '../activities/rca/candidate';
import { fuseWithOutside, rankAll } from '../activities/rca/ensemble';
import { buildEvidence } from '../activities/rca/evidence';
import type { OutsideSignal } from '../activities/rca/outside-evidence';
import { onlineBoutique } from '../simulator/online-boutique';
import { makeScenario } from '../simulator/scenario';
import { collect } from '../simulator/simulate';
import { trainTicket } from '../simulator/train-ticket';
import { machineDescription, writeBenchmarkSection } from './report';

/**
 * What Kubernetes evidence does to the ranking, its likelihood ratios as argued (never fitted): on
 * simulated memory leaks, the leaking service's rank from the telemetry alone, without its
 * memory series (a team that ships none), with the cluster's OOMKilled on it, and — the cost of a
 * misleading finding — with an OOMKilled on the strongest other service instead. The findings
 * are given, not observed: this measures the weights' scale against the fused ranking, not the
 * collection (tested against the API stand-in).
 */
const seeds = (process.env.OUTSIDE_SEEDS ?? '101,102,103,104,105,106').split(',').map(Number);

const rankOf = (r: readonly RootCauseCandidate[], s: string) =>
  r.findIndex((c) => c.service === s) + 1;
const oom = (service: string): OutsideSignal[] => [
  { service, finding: 'oomKilled', detail: `k8s: ${service} OOMKilled` },
];

async function main() {
  const rows: { name: string; ranks: number[] }[] = [
    { name: 'telemetry with memory series', ranks: [] },
    { name: 'without the memory series', ranks: [] },
    { name: 'without them + OOMKilled on the leaking service', ranks: [] },
    { name: 'with them + OOMKilled on the strongest other service', ranks: [] },
  ];
  for (const topology of [onlineBoutique, trainTicket]) {
    for (const seed of seeds) {
      const scenario = makeScenario(topology, 'memory-leak', seed);
      const truth = scenario.groundTruth.service;
      const t = collect(scenario);
      const full = rankAll(buildEvidence(t.spans, t.logs, t.metrics, scenario.window));
      const blind = rankAll(
        buildEvidence(
          t.spans,
          t.logs,
          t.metrics.filter((m) => m.service !== truth),
          scenario.window,
        ),
      );
      const plain = fuseWithOutside(full, []);
      const decoy = plain.find((c) => c.service !== truth)!.service;
      const ranks = [
        rankOf(plain, truth),
        rankOf(fuseWithOutside(blind, []), truth),
        rankOf(fuseWithOutside(blind, oom(truth)), truth),
        rankOf(fuseWithOutside(full, oom(decoy)), truth),
      ];
      ranks.forEach((r, i) => rows[i]!.ranks.push(r));
      console.log(`${topology.name} seed ${seed} (${truth}): ranks ${ranks.join(' / ')}`);
    }
  }
  const at = (ranks: number[], k: number) =>
    (ranks.filter((r) => r >= 1 && r <= k).length / ranks.length).toFixed(2);
  const table = rows.map((r) => `| ${r.name} | ${at(r.ranks, 1)} | ${at(r.ranks, 3)} |`);
  await writeBenchmarkSection(
    'outside-evidence',
    [
      '## Kubernetes evidence in the ranking (issue #18)',
      '',
      `Command: \`npx tsx bench/outside-evidence.ts\` (seeds ${seeds.join(', ')} of the simulator's memory leak on Online Boutique and Train Ticket, ${seeds.length * 2} faults). Machine: ${machineDescription()}, shared with other engineers. Date: ${new Date().toISOString().slice(0, 10)}.`,
      '',
      "The findings are given, not observed: this measures their weight against the fused ranking. A finding is one more member's vote on the fitted fusion's scale: an OOMKilled (likelihood ratio 20, the strongest finding, argued in activities/rca/outside-evidence.ts, not fitted) counts as much as the most trusted member's fully decisive first place, a weaker finding by its log-likelihood ratio against that. The last row is the cost of a misleading finding: an OOMKilled on the highest-ranked service that is not the leak.",
      '',
      '| evidence | AC@1 | AC@3 |',
      '|---|---|---|',
      ...table,
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
