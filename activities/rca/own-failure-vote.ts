import type { MemberRankings } from './features';
import { asMuchItsOwnShare, logEvidence } from './logs';

/**
 * When the strongest log evidence of the window is the service's own code path breaking, that
 * service is seen as directly as the platform sees a container killed: either its calls no
 * longer write the line they always wrote (skipped-lines.ts: the method throws or returns before
 * its first line, while its calls keep their rate and speed), or it writes an ERROR line of its
 * own, not about a call it made, on a share of its calls no routine failure reaches (logs.ts
 * `isOwnFailingLine`). Bystanders do not show either (issue #20, `cl28`, `own30`), yet the metric
 * members, reading a quiet pod's gauge or a busy caller's latency, outvote the logs member alone.
 * So it counts as one more fully decisive first place (`firstPlace`, on the fitted fusion's
 * scale), as the platform's direct findings do. The ERROR line counts only while no other
 * service's log evidence reaches `asMuchItsOwnShare` of it: a fault elsewhere makes several services
 * fail checks of their own at once (`Order Status Wrong` at a caller after a delay), a code path
 * breaking at one service does not.
 */
export function ownFailureVote(
  rankings: Readonly<MemberRankings>,
  firstPlace: number,
): Map<string, number> {
  const [top, runnerUp] = rankings[logEvidence.name] ?? [];
  if (!top) return new Map();
  const alone = (runnerUp?.score ?? 0) < asMuchItsOwnShare * top.score;
  const own =
    top.evidence.skippedLines !== undefined || (top.evidence.ownFailingLine !== undefined && alone);
  return own ? new Map([[top.service, firstPlace]]) : new Map();
}
