import { describe, expect, it } from 'vitest';
import type { RootCauseCandidate } from '../../activities/rca/candidate';
import {
  fuseWithOutside,
  fusionModel,
  rankAll,
  type FusionWeights,
} from '../../activities/rca/ensemble';
import { buildEvidence } from '../../activities/rca/evidence';
import {
  findings,
  outsidePrior,
  withOutsideEvidence,
  type OutsideSignal,
} from '../../activities/rca/outside-evidence';
import { onlineBoutique } from '../../simulator/online-boutique';
import { makeScenario } from '../../simulator/scenario';
import { collect } from '../../simulator/simulate';

const rankOf = (ranking: readonly RootCauseCandidate[], service: string) =>
  ranking.findIndex((c) => c.service === service);

describe('evidence from outside the telemetry (Kubernetes, alerts) in the ranking', () => {
  it('counts one phenomenon once and adds independent ones, as log-likelihood ratios', () => {
    const prior = outsidePrior([
      { service: 'cart', finding: 'oomKilled', detail: 'pod a OOMKilled' },
      { service: 'cart', finding: 'oomKilled', detail: 'pod b OOMKilled' },
      { service: 'cart', finding: 'crashing', detail: 'pod a CrashLoopBackOff' },
      { service: 'cart', finding: 'rollout', detail: 'revision 2' },
      { service: 'web', finding: 'alert', detail: 'alert HighLatency' },
    ]);
    expect(prior.get('cart')).toBeCloseTo(
      Math.log(findings.oomKilled.likelihoodRatio) + Math.log(findings.rollout.likelihoodRatio),
    );
    expect(prior.get('web')).toBeCloseTo(Math.log(findings.alert.likelihoodRatio));
  });

  // The leak's own memory series left out (a team that ships no memory metrics): only the
  // cluster's word that the container was OOMKilled says where it is. Seeds 1 and 2 are the
  // first two; on seed 3 the traces alone already rank the service first.
  it.each([1, 2])(
    'an OOMKilled container moves the leaking service up and makes it a memory fault (seed %i)',
    (seed) => {
      const scenario = makeScenario(onlineBoutique, 'memory-leak', seed);
      const truth = scenario.groundTruth.service;
      const t = collect(scenario);
      const metrics = t.metrics.filter((m) => m.service !== truth);
      const members = rankAll(buildEvidence(t.spans, t.logs, metrics, scenario.window));
      const without = fuseWithOutside(members, []);
      const oom: OutsideSignal = {
        service: truth,
        finding: 'oomKilled',
        detail: `k8s: pod ${truth}-0 container server OOMKilled (exit 137, 1 restarts)`,
      };
      const withK8s = fuseWithOutside(members, [oom]);
      expect(rankOf(without, truth)).toBeGreaterThan(0);
      expect(rankOf(withK8s, truth)).toBeLessThan(rankOf(without, truth));
      const moved = withK8s[rankOf(withK8s, truth)]!;
      expect(moved.kind).toBe('memory');
      expect(moved.evidence.outside).toEqual([oom.detail]);
      expect(moved.evidence.findings).toEqual(['oomKilled']);
    },
    60_000,
  );

  const decisive: RootCauseCandidate[] = [
    { service: 'db', kind: 'latency', score: 9, evidence: {} },
    { service: 'api', kind: 'latency', score: 1, evidence: {} },
    { service: 'web', kind: 'latency', score: 0.5, evidence: {} },
  ];
  const members = { baro: decisive, circa: decisive, microrank: decisive, 'random-walk': decisive };

  it("does not let a victim's alert overturn a clear ranking, but an OOMKilled container there can", () => {
    const alert: OutsideSignal = { service: 'api', finding: 'alert', detail: 'alert ApiErrors' };
    expect(fuseWithOutside(members, [alert])[0]?.service).toBe('db');
    const oom: OutsideSignal = {
      service: 'web',
      finding: 'oomKilled',
      detail: 'k8s: pod web-1 OOMKilled',
    };
    const ranking = fuseWithOutside(members, [oom]);
    expect(rankOf(ranking, 'web')).toBeLessThan(rankOf(fuseWithOutside(members, []), 'web'));
  });

  // A refit that sharpens the fusion multiplies its logits; a finding counted on the fusion's
  // own scale keeps its say, where a fixed log-odds added afterwards would fade.
  it.each([0.25, 4])(
    'gives an OOMKilled container the same say whatever the scale of the fitted fusion (× %f)',
    (k) => {
      const scaled: FusionWeights = Object.fromEntries(
        Object.entries(fusionModel().weights).map(([m, w]) => [m, w.map((x) => x * k)]),
      );
      const oom: OutsideSignal = { service: 'web', finding: 'oomKilled', detail: 'k8s: OOMKilled' };
      const order = (weights?: FusionWeights) =>
        fuseWithOutside(members, [oom], weights).map((c) => c.service);
      expect(order(scaled)).toEqual(order());
    },
  );

  it('makes a service known only to alerts a candidate, with what was said of it', () => {
    const ranking = fuseWithOutside(members, [
      { service: 'queue', finding: 'alert', detail: 'alert QueueBacklog (critical)' },
    ]);
    const queue = ranking.find((c) => c.service === 'queue');
    expect(queue).toMatchObject({
      kind: 'saturation',
      evidence: { outside: ['alert QueueBacklog (critical)'] },
    });
    expect(queue!.score).toBeGreaterThan(0);
  });

  it("keeps a traced candidate's kind unless the platform saw a memory fault", () => {
    const ranked = new Set(['db']);
    const [crashing] = withOutsideEvidence(
      [decisive[0]!],
      [{ service: 'db', finding: 'crashing', detail: 'k8s: BackOff' }],
      ranked,
    );
    expect(crashing?.kind).toBe('latency');
    const [oom] = withOutsideEvidence(
      [decisive[0]!],
      [{ service: 'db', finding: 'oomKilled', detail: 'k8s: OOMKilled' }],
      ranked,
    );
    expect(oom?.kind).toBe('memory');
  });
});
