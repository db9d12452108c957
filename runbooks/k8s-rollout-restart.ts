import { z } from 'zod';
import { action, defineRunbook, field, irreversible } from './sdk';
import { onCallApproval } from './gates';

/** Replaces a Deployment's pods (stuck workers, leaks, bad caches), then checks it recovers. */
export const k8sRolloutRestartV1 = defineRunbook({
  name: 'k8s-rollout-restart',
  version: 1,
  title: 'Rolling restart of a Deployment',
  risk: 'medium',
  kinds: ['memory', 'saturation', 'logs', 'latency'],
  // The kubelet restarted those containers already, with the limit or fault that stopped them.
  ruledOutBy: ['oomKilled', 'crashing'],
  incidentKinds: ['memory-leak', 'hung-process', 'cpu-saturation'],
  inputs: z.object({ deployment: field.deployment, namespace: field.namespace }),
  async body(rb, input) {
    const target = { namespace: input.namespace ?? 'default', deployment: input.deployment };
    const name = `${target.namespace}/${input.deployment}`;
    await rb.approval(onCallApproval('approve', `Restart the pods of ${name}`));
    await rb.step({
      name: 'rollout-restart',
      describe: `rolling restart of deployment ${name}`,
      risk: 'medium',
      timeout: '10 minutes',
      action: action('k8sRolloutRestart', target),
      undo: irreversible('new pods from the same template; there is nothing to put back'),
    });
    await rb.verify({ service: input.service, within: '10 minutes' });
  },
});
