import { describe, expect, it } from 'vitest';
import type { RootCauseCandidate } from '../../activities/rca/candidate';
import { fuse } from '../../activities/rca/ensemble';
import type { MemberRankings } from '../../activities/rca/features';

const services = ['gateway', 'order', 'price', 'route', 'seat', 'travel'];

/** A member that picks `top` clearly: it scores 10, every other service 1. */
function picks(top: string, evidence: RootCauseCandidate['evidence'] = {}): RootCauseCandidate[] {
  return services
    .map((service) => ({
      service,
      kind: 'latency' as const,
      score: service === top ? 10 : 1,
      evidence: service === top ? evidence : {},
    }))
    .sort((a, b) => b.score - a.score);
}

/**
 * The members as they read a price exception live (issue #20, 2023-01-29): BARO, circa,
 * random-walk and the GNN on a busy caller's span latency (order), the logs member on price.
 */
function members(logsEvidence: RootCauseCandidate['evidence']): MemberRankings {
  return {
    baro: picks('order'),
    circa: picks('order'),
    microrank: picks('gateway'),
    'random-walk': picks('order'),
    logs: picks('price', logsEvidence),
    gnn: picks('order'),
  };
}

describe("the service's own code path breaking, leading the logs member's evidence", () => {
  it('outweighs the metric members agreeing on another service', () => {
    const skipped = members({
      templates: ['vanished: calls of /prices that wrote a line and now write none'],
      skippedLines: '/prices',
    });
    expect(fuse(skipped)[0]?.service).toBe('price');
  });

  it('outweighs them too as an own failing ERROR line', () => {
    const failing = members({
      templates: ['new: [getPrice][Get Price Failed]'],
      ownFailingLine: '[getPrice][Get Price Failed]',
    });
    expect(fuse(failing)[0]?.service).toBe('price');
  });

  it("counts an own failing line only while the logs member's runner-up stays under half of it", () => {
    const close = members({ ownFailingLine: '[getPrice][Get Price Failed]' });
    close.logs = (close.logs ?? [])
      .map((c) => (c.service === 'travel' ? { ...c, score: 6 } : c))
      .sort((a, b) => b.score - a.score);
    expect(fuse(close)[0]?.service).toBe('order');
  });

  it('is needed: a log pick on other lines does not', () => {
    const burst = members({ templates: ['new: <*> INFO price queried <*>'] });
    expect(fuse(burst)[0]?.service).toBe('order');
  });

  it('counts only where it leads the logs member: a skip further down its ranking does not', () => {
    const ranked = members({});
    ranked.logs = picks('travel').map((c) =>
      c.service === 'price' ? { ...c, evidence: { skippedLines: '/prices' } } : c,
    );
    expect(fuse(ranked)[0]?.service).toBe('order');
  });
});
