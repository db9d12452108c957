import { anyLogLine, type Evidence } from './evidence';

/** An operation at least this share of whose calls wrote a line is a per-call logger. */
const minShareLogging = 0.5;

/** Fewer baseline calls than this say nothing about what a call usually writes. */
const minBaselineCalls = 10;

/**
 * Calls are missed only where the fault window's calls should have written at least this many
 * lines: a line that did not occur in a short window of few calls is no news.
 */
const minExpectedLines = 5;

/** A skip stronger than this (binomial z of the share of calls writing a line) is evidence. */
const skipSurprise = 3;

/** An operation whose calls wrote a line and, going on, write none. */
export interface SkippedLines {
  operation: string;
  /** Share of the baseline's calls that wrote a line. */
  share: number;
  /** Fault-window calls that should have written one, and those that did. */
  expected: number;
  observed: number;
  /** Binomial surprise of the calls writing a line, at the baseline's share (negative: fewer). */
  z: number;
}

/**
 * Per service, the strongest of its operations whose calls wrote a line of their own in the
 * baseline and, still coming, no longer do: the method throws or returns before its first line.
 * Counted per call and over every line the call writes, so a line that changed its words
 * (another train type, another returned value) still counts as written, and a line gone because
 * the calls stopped is expected to be gone. When most services whose calls should have written
 * lines skip them at once, the lines were lost on their way (a log exporter or collector down),
 * not in each service's code: then no service's skip is evidence.
 */
export function skippedLinesByService(evidence: Evidence): Map<string, SkippedLines> {
  const expecting = new Set<string>();
  const skips = new Map<string, SkippedLines>();
  for (const p of evidence.callPatterns ?? []) {
    const [nb, nf] = p.calls;
    if (nb < minBaselineCalls) continue;
    const [wb, wf] = p.callsWith[anyLogLine] ?? [0, 0];
    if (wb < minShareLogging * nb) continue;
    const share = (wb + 1) / (nb + 2);
    const expected = share * nf;
    if (expected < minExpectedLines) continue;
    expecting.add(p.service);
    const z = (wf - expected) / Math.sqrt(nf * share * (1 - share) + 1);
    const best = skips.get(p.service);
    if (z <= -skipSurprise && (!best || z < best.z)) {
      skips.set(p.service, { operation: p.operation, share, expected, observed: wf, z });
    }
  }
  return skips.size > 1 && skips.size > expecting.size / 2 ? new Map() : skips;
}
