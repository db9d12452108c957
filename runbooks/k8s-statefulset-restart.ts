import { z } from 'zod';
import { defineRunbook, field } from './sdk';
import { restartWorkload, workloadTarget } from './k8s-workloads';

/** Replaces a StatefulSet's pods one by one (leaks, stuck workers, bad caches), then checks it recovers. Only run by name: incidents do not name StatefulSets yet. */
export const k8sStatefulsetRestartV1 = defineRunbook({
  name: 'k8s-statefulset-restart',
  version: 1,
  title: 'Rolling restart of a StatefulSet',
  risk: 'medium',
  kinds: ['memory', 'saturation', 'logs', 'latency'],
  ruledOutBy: ['oomKilled', 'crashing'],
  incidentKinds: ['memory-leak', 'hung-process'],
  inputs: z.object({ statefulset: field.statefulset, namespace: field.namespace }),
  body: (rb, input) =>
    restartWorkload(
      rb,
      workloadTarget('StatefulSet', input.statefulset, input.namespace),
      input.service,
    ),
});
