import { z } from 'zod';
import { action, defineRunbook, field, irreversible } from './sdk';
import { onCallApproval } from './gates';
import { cordonStep } from './k8s-cordon-node';

/**
 * A node under pressure that keeps hurting its pods: cordon it, then move its pods elsewhere by
 * evictions, which respect every PodDisruptionBudget (one that would be broken stops the drain
 * and the cordon is undone). The node is left cordoned for people to repair or replace.
 */
export const k8sDrainNodeV1 = defineRunbook({
  name: 'k8s-drain-node',
  version: 1,
  title: 'Cordon and drain a node',
  risk: 'high',
  kinds: ['memory', 'saturation', 'latency', 'errors'],
  findings: ['evicted'],
  incidentKinds: ['node-pressure'],
  inputs: z.object({ node: field.node }),
  async body(rb, input) {
    await rb.approval(onCallApproval('approve', `Cordon and drain node ${input.node}`));
    await rb.step(cordonStep(input.node));
    await rb.step({
      name: 'drain',
      describe: `evict node ${input.node}'s pods (not DaemonSet pods), honouring PodDisruptionBudgets`,
      risk: 'high',
      timeout: '15 minutes',
      action: action('k8sDrainNode', { node: input.node }),
      undo: irreversible('evicted pods were recreated elsewhere by their controllers'),
    });
  },
});
