import { z } from 'zod';
import { action, defineRunbook, field } from '../../../runbooks/sdk';

/** Drains the cache of a service's Deployment by scaling it to zero and back. */
export const drainCacheV1 = defineRunbook({
  name: 'drain-cache',
  version: 1,
  title: 'Scale a cache to zero and back',
  risk: 'medium',
  kinds: ['memory'],
  incidentKinds: ['memory-leak'],
  inputs: z.object({ deployment: field.deployment, namespace: field.namespace }),
  async body(rb, input) {
    const target = { namespace: input.namespace ?? 'default', deployment: input.deployment };
    await rb.approval({
      name: 'approve',
      describe: `Drain ${input.deployment}`,
      approvers: ['oncall'],
      timeout: '30 minutes',
    });
    await rb.step({
      name: 'scale-to-zero',
      describe: `scale ${input.deployment} to 0`,
      risk: 'medium',
      timeout: '5 minutes',
      action: action('k8sScaleDeployment', { ...target, replicas: { set: 0 } }),
      undo: {
        describe: 'scale back to the previous count',
        call: (d) => action('k8sScaleDeployment', { ...target, replicas: { set: d.from } }),
      },
    });
    await rb.verify({ service: input.service, within: '10 minutes' });
  },
});
