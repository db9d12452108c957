import { z } from 'zod';
import { defineRunbook, field } from './sdk';
import { rollbackWorkload, workloadTarget } from './k8s-workloads';

/** Undoes a bad release of a DaemonSet (a node agent): back to the previous ControllerRevision. Only run by name: incidents do not name DaemonSets yet. */
export const k8sDaemonsetRollbackV1 = defineRunbook({
  name: 'k8s-daemonset-rollback',
  version: 1,
  title: 'Roll a DaemonSet back to its previous revision',
  risk: 'medium',
  kinds: ['errors', 'latency', 'logs'],
  incidentKinds: ['bad-deploy', 'config-error-burst', 'crash-loop'],
  inputs: z.object({ daemonset: field.daemonset, namespace: field.namespace }),
  body: (rb, input) =>
    rollbackWorkload(
      rb,
      workloadTarget('DaemonSet', input.daemonset, input.namespace),
      input.service,
    ),
});
