import { z } from 'zod';
import { defineRunbook, field } from './sdk';
import { rollbackWorkload, workloadTarget } from './k8s-workloads';

/** Undoes a bad release of a StatefulSet: its pod template goes back to the previous ControllerRevision. Only run by name: incidents do not name StatefulSets yet. */
export const k8sStatefulsetRollbackV1 = defineRunbook({
  name: 'k8s-statefulset-rollback',
  version: 1,
  title: 'Roll a StatefulSet back to its previous revision',
  risk: 'medium',
  kinds: ['errors', 'latency', 'logs'],
  incidentKinds: ['bad-deploy', 'config-error-burst', 'crash-loop'],
  inputs: z.object({ statefulset: field.statefulset, namespace: field.namespace }),
  body: (rb, input) =>
    rollbackWorkload(
      rb,
      workloadTarget('StatefulSet', input.statefulset, input.namespace),
      input.service,
    ),
});
