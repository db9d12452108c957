import { z } from 'zod';
import { action, defineRunbook, field } from './sdk';
import { onCallApproval } from './gates';

/** Undoes a bad deploy: the Deployment goes back to its previous revision. */
export const k8sRollbackV1 = defineRunbook({
  name: 'k8s-rollback',
  version: 1,
  title: 'Roll a Deployment back to its previous revision',
  risk: 'medium',
  kinds: ['errors', 'latency', 'logs'],
  incidentKinds: ['bad-deploy', 'config-error-burst'],
  inputs: z.object({ deployment: field.deployment, namespace: field.namespace }),
  async body(rb, input) {
    const target = { namespace: input.namespace ?? 'default', deployment: input.deployment };
    const name = `${target.namespace}/${input.deployment}`;
    await rb.approval(onCallApproval('approve', `Roll ${name} back to its previous revision`));
    await rb.step({
      name: 'rollback',
      describe: `roll deployment ${name} back to the previous revision`,
      risk: 'medium',
      timeout: '10 minutes',
      action: action('k8sRollbackDeployment', target),
      undo: {
        describe: 'roll forward to the revision it replaced',
        call: (d) => action('k8sRollbackDeployment', { ...target, toRevision: d.fromRevision }),
      },
    });
    await rb.verify({ service: input.service, within: '10 minutes' });
  },
});
