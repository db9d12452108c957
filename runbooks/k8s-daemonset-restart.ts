import { z } from 'zod';
import { defineRunbook, field } from './sdk';
import { restartWorkload, workloadTarget } from './k8s-workloads';

/** Replaces a DaemonSet's pods node by node (a leaking or stuck node agent), then checks it recovers. Only run by name: incidents do not name DaemonSets yet. */
export const k8sDaemonsetRestartV1 = defineRunbook({
  name: 'k8s-daemonset-restart',
  version: 1,
  title: 'Rolling restart of a DaemonSet',
  risk: 'medium',
  kinds: ['memory', 'saturation', 'logs', 'latency'],
  ruledOutBy: ['oomKilled', 'crashing'],
  incidentKinds: ['memory-leak', 'hung-process'],
  inputs: z.object({ daemonset: field.daemonset, namespace: field.namespace }),
  body: (rb, input) =>
    restartWorkload(
      rb,
      workloadTarget('DaemonSet', input.daemonset, input.namespace),
      input.service,
    ),
});
