import { z } from 'zod';
import { action, defineRunbook, field } from './sdk';
import { onCallApproval } from './gates';

/**
 * A release going wrong while it rolls out: pause it, so pods not yet replaced keep the old
 * version, while people decide between rolling back and fixing forward. Containment, not a fix:
 * only run by name, never chosen for an incident by itself.
 */
export const k8sPauseRolloutV1 = defineRunbook({
  name: 'k8s-pause-rollout',
  version: 1,
  title: 'Pause a Deployment rollout',
  risk: 'low',
  incidentKinds: ['bad-deploy', 'config-error-burst'],
  inputs: z.object({ deployment: field.deployment, namespace: field.namespace }),
  async body(rb, input) {
    const target = { namespace: input.namespace ?? 'default', deployment: input.deployment };
    const name = `${target.namespace}/${input.deployment}`;
    await rb.approval(onCallApproval('approve', `Pause the rollout of ${name}`));
    await rb.step({
      name: 'pause-rollout',
      describe: `pause the rollout of deployment ${name}`,
      risk: 'low',
      timeout: '2 minutes',
      action: action('k8sSetRolloutPaused', { ...target, paused: true }),
      undo: {
        describe: 'resume it, unless it was paused before',
        call: (d) => action('k8sSetRolloutPaused', { ...target, paused: d.wasPaused }),
      },
    });
  },
});
