import type { Finding, OutsideSignal } from '../rca/outside-evidence';
import type { WorkloadEvidence } from './evidence';

/** Waiting reasons of a container that cannot run: its process or its release is at fault. */
const cannotRun = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'InvalidImageName',
]);

/** The kubelet's and scheduler's Warning reasons, by what they say about the workload. */
const eventFindings: Record<string, Finding> = {
  BackOff: 'crashing',
  Failed: 'crashing',
  Unhealthy: 'unhealthy',
  Evicted: 'evicted',
  Preempting: 'unhealthy',
  FailedScheduling: 'unhealthy',
};

/**
 * What Kubernetes' account of `service`'s workload says about it as a root cause, from `since`
 * on: a container OOMKilled or ending in error, one that cannot run, Warning events, rollouts,
 * evicted pods. A restart count alone says nothing of when: only a termination in the window counts.
 */
export function workloadSignals(
  service: string,
  e: WorkloadEvidence,
  since: Date,
): OutsideSignal[] {
  const inWindow = (at: string | undefined) =>
    at === undefined || Date.parse(at) >= since.getTime();
  const signal = (finding: Finding, detail: string): OutsideSignal => ({
    service,
    finding,
    detail: `k8s: ${detail}`,
  });
  const signals: OutsideSignal[] = [];
  for (const c of e.containers) {
    const where = `pod ${c.pod} container ${c.container}`;
    const last = c.lastTermination;
    if (last && inWindow(last.finishedAt) && last.reason !== 'Completed') {
      signals.push(
        signal(
          last.reason === 'OOMKilled' ? 'oomKilled' : 'crashing',
          `${where} ${last.reason} (exit ${last.exitCode}, ${c.restarts} restarts)`,
        ),
      );
    }
    if (c.waitingReason && cannotRun.has(c.waitingReason))
      signals.push(signal('crashing', `${where} ${c.waitingReason}`));
  }
  for (const p of e.pods)
    if (p.reason === 'Evicted') signals.push(signal('evicted', `pod ${p.name} evicted`));
  for (const ev of e.events) {
    const finding = eventFindings[ev.reason];
    if (finding)
      signals.push(
        signal(finding, `${ev.reason} ×${ev.count} on ${ev.object}: ${ev.message.slice(0, 120)}`),
      );
  }
  for (const r of e.rollouts)
    signals.push(
      signal('rollout', `deployment ${e.deployment} rolled out revision ${r.revision} at ${r.at}`),
    );
  return signals;
}
