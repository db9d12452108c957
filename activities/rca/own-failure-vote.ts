import type { MemberRankings } from './features';
import { logEvidence } from './logs';

/**
 * When the strongest log evidence of the window is the service's own code path breaking, that
 * service is seen as directly as the platform sees a container killed: either its calls no
 * longer write the line they always wrote (skipped-lines.ts: the method throws or returns before
 * its first line, while its calls keep their rate and speed), or it writes an ERROR line of its
 * own, not about a call it made, while it fails more often than it did (logs.ts
 * `isOwnFailingLine`). Bystanders do not show either (issue #20, `cl28`, `own30`), yet the metric
 * members, reading a quiet pod's gauge or a busy caller's latency, outvote the logs member alone.
 * So it counts as one more fully decisive first place (`firstPlace`, on the fitted fusion's
 * scale), as the platform's direct findings do.
 */
export function ownFailureVote(
  rankings: Readonly<MemberRankings>,
  firstPlace: number,
): Map<string, number> {
  const top = rankings[logEvidence.name]?.[0];
  const own = top?.evidence.skippedLines ?? top?.evidence.ownFailingLine;
  return top && own !== undefined ? new Map([[top.service, firstPlace]]) : new Map();
}
