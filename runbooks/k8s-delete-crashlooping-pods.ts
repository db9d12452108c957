import { z } from 'zod';
import { action, defineRunbook, field, irreversible } from './sdk';
import { onCallApproval } from './gates';
import { workloadTarget } from './k8s-workloads';

/** A crash loop across more pods than this is not a stuck pod: roll back instead. */
const maxPods = 2;

/**
 * A pod stuck crash-looping (bad node, stale volume or cache) while its siblings run: delete it
 * so its Deployment starts it afresh, then check the service recovers.
 */
export const k8sDeleteCrashloopingPodsV1 = defineRunbook({
  name: 'k8s-delete-crashlooping-pods',
  version: 1,
  title: "Delete a Deployment's crash-looping pods",
  risk: 'medium',
  // Callers of a crash-looping pod see its errors, or calls it never answers.
  kinds: ['errors', 'latency', 'dependency'],
  findings: ['crashing'],
  incidentKinds: ['crash-loop'],
  inputs: z.object({ deployment: field.deployment, namespace: field.namespace }),
  async body(rb, input) {
    const target = workloadTarget('Deployment', input.deployment, input.namespace);
    const name = `${target.namespace}/${target.name}`;
    await rb.approval(onCallApproval('approve', `Delete the crash-looping pods of ${name}`));
    await rb.step({
      name: 'delete-pods',
      describe: `delete at most ${maxPods} crash-looping pods of deployment ${name}`,
      risk: 'medium',
      timeout: '2 minutes',
      action: action('k8sDeleteCrashLoopingPods', { ...target, max: maxPods }),
      undo: irreversible('a deleted pod is gone; its Deployment has already replaced it'),
    });
    await rb.verify({ service: input.service, within: '10 minutes' });
  },
});
