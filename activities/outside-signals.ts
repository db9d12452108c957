import type { KubeConfig } from '@kubernetes/client-node';
import { workloadEvidence } from './kubernetes/evidence';
import { workloadSignals } from './kubernetes/signals';
import type { OutsideSignal } from './rca/outside-evidence';
import type { Pool } from '../store/db';
import { alertsInWindow } from '../store/alerts';
import { latestRemediationTarget } from '../store/remediation-targets';

/** Where a finding that caused the fault may lie before its first symptom (a release, an OOM). */
export const leadTimeMs = 15 * 60_000;

/** A cluster that does not answer in this long is left out, not waited for. */
const kubernetesTimeoutMs = 20_000;

/** The namespace of the kubeconfig's current context: where `kubectl` would look. */
function contextNamespace(kc: KubeConfig): string {
  return kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * What the team's alerts and the cluster say about an investigation's services in the fault
 * window (Kubernetes: from `leadTimeMs` before it), for `services` and those the alerts name. A
 * cluster that fails is left out with a warning: the ranking still has the telemetry.
 */
export async function collectOutsideSignals(
  deps: { pool: Pool; kube?: KubeConfig | undefined },
  window: { faultStart: Date; end: Date; services: readonly string[] },
): Promise<OutsideSignal[]> {
  const alerts = await alertsInWindow(deps.pool, window.faultStart, window.end);
  const signals: OutsideSignal[] = alerts.map((a) => ({
    service: a.service,
    finding: 'alert',
    detail:
      `alert ${a.alertname ?? '(unnamed)'}${a.severity ? ` (${a.severity})` : ''} fired at ` +
      a.startsAt.toISOString(),
  }));
  const { kube } = deps;
  if (!kube) return signals;
  const since = new Date(window.faultStart.getTime() - leadTimeMs);
  const services = [...new Set([...window.services, ...alerts.map((a) => a.service)])];
  const perService = await Promise.all(
    services.map(async (service) => {
      const target = await latestRemediationTarget(deps.pool, service);
      const ref = {
        namespace: target.namespace ?? contextNamespace(kube),
        deployment: target.deployment ?? service,
      };
      try {
        const e = await withTimeout(
          workloadEvidence(kube, ref, since),
          kubernetesTimeoutMs,
          `Kubernetes ${ref.namespace}/${ref.deployment}`,
        );
        return e ? workloadSignals(service, e, since) : [];
      } catch (err) {
        console.warn(`[investigation] Kubernetes state of ${service} not read: ${String(err)}`);
        return [];
      }
    }),
  );
  return [...signals, ...perService.flat()];
}
