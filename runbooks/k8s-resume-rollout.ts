import { z } from 'zod';
import { action, defineRunbook, field } from './sdk';
import { onCallApproval } from './gates';

/**
 * A rollout left paused (by k8s-pause-rollout, or by hand) once the release is judged good or
 * fixed: resume it so the remaining pods get the new template, then check the service is well.
 */
export const k8sResumeRolloutV1 = defineRunbook({
  name: 'k8s-resume-rollout',
  version: 1,
  title: 'Resume a paused Deployment rollout',
  risk: 'medium',
  incidentKinds: ['stuck-rollout'],
  inputs: z.object({ deployment: field.deployment, namespace: field.namespace }),
  async body(rb, input) {
    const target = { namespace: input.namespace ?? 'default', deployment: input.deployment };
    const name = `${target.namespace}/${input.deployment}`;
    await rb.approval(onCallApproval('approve', `Resume the rollout of ${name}`));
    await rb.step({
      name: 'resume-rollout',
      describe: `resume the rollout of deployment ${name}`,
      risk: 'medium',
      timeout: '2 minutes',
      action: action('k8sSetRolloutPaused', { ...target, paused: false }),
      undo: {
        describe: 'pause it again, unless it was running before',
        call: (d) => action('k8sSetRolloutPaused', { ...target, paused: d.wasPaused }),
      },
    });
    await rb.verify({ service: input.service, within: '10 minutes' });
  },
});
