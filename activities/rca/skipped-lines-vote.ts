import type { MemberRankings } from './features';
import { logEvidence } from './logs';

/**
 * When the strongest log evidence of the window is a service's calls no longer writing the line
 * they always wrote (skipped-lines.ts), that service's own code path is seen breaking: the method
 * throws or returns before its first line, while its calls keep their rate and speed. Bystanders
 * do not show it (issue #20, `cl28`: never the logs member's first pick at a service the fault
 * did not touch, live or offline), yet the metric members, reading a quiet pod's gauge or a busy
 * caller's latency, outvote the logs member alone. So it counts as one more fully decisive first
 * place (`firstPlace`, on the fitted fusion's scale), as the platform's direct findings do.
 */
export function skippedLinesVote(
  rankings: Readonly<MemberRankings>,
  firstPlace: number,
): Map<string, number> {
  const top = rankings[logEvidence.name]?.[0];
  return top?.evidence.skippedLines ? new Map([[top.service, firstPlace]]) : new Map();
}
