import { z } from 'zod';
import { action, defineRunbook, field, type StepOptions } from './sdk';
import { onCallApproval } from './gates';

/** Cordons `node`; undone by uncordoning, unless it was cordoned already. */
export function cordonStep(node: string): StepOptions<'k8sCordonNode'> {
  return {
    name: 'cordon',
    describe: `cordon node ${node}: no new pods are scheduled there`,
    risk: 'low',
    timeout: '2 minutes',
    action: action('k8sCordonNode', { node, unschedulable: true }),
    undo: {
      describe: 'uncordon it, unless it was cordoned before',
      call: (d) => action('k8sCordonNode', { node, unschedulable: d.wasUnschedulable }),
    },
  };
}

/**
 * A node under pressure (memory, disk, PIDs): stop new pods landing there while people look,
 * leaving the running ones in place. Containment, not a fix.
 */
export const k8sCordonNodeV1 = defineRunbook({
  name: 'k8s-cordon-node',
  version: 1,
  title: 'Cordon a node',
  risk: 'low',
  kinds: ['memory', 'saturation', 'latency', 'errors'],
  findings: ['evicted'],
  incidentKinds: ['node-pressure'],
  inputs: z.object({ node: field.node }),
  async body(rb, input) {
    await rb.approval(onCallApproval('approve', `Cordon node ${input.node}`));
    await rb.step(cordonStep(input.node));
  },
});
