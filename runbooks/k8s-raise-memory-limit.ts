import { z } from 'zod';
import { action, defineRunbook, field } from './sdk';
import { onCallApproval } from './gates';
import { workloadTarget } from './k8s-workloads';

/** Never raise a memory limit beyond this automatically. */
const ceiling = '8Gi';

/**
 * A container killed for memory (OOMKilled) under load it should carry: raise its memory limit
 * by half (at most 8Gi). The new template rolls out, so the pods restart with the higher limit
 * and a leak's memory is cleared too; the leak itself still needs a fix.
 */
export const k8sRaiseMemoryLimitV1 = defineRunbook({
  name: 'k8s-raise-memory-limit',
  version: 1,
  title: "Raise a Deployment container's memory limit (and restart its pods)",
  risk: 'medium',
  kinds: ['memory'],
  findings: ['oomKilled'],
  incidentKinds: ['memory-leak'],
  inputs: z.object({ deployment: field.deployment, namespace: field.namespace }),
  async body(rb, input) {
    const target = workloadTarget('Deployment', input.deployment, input.namespace);
    const name = `${target.namespace}/${target.name}`;
    await rb.approval(onCallApproval('approve', `Raise the memory limit of ${name} by 50%`));
    await rb.step({
      name: 'raise-memory-limit',
      describe: `raise the memory limit of deployment ${name}'s first container by 50% (at most ${ceiling}); its pods restart`,
      risk: 'medium',
      timeout: '15 minutes',
      action: action('k8sSetResourceLimits', {
        ...target,
        limits: { memory: { multiply: 1.5, max: ceiling } },
      }),
      undo: {
        describe: 'set back the limits it found, unless someone changed them since',
        call: (d) =>
          action('k8sSetResourceLimits', {
            ...target,
            container: d.container,
            limits: { memory: { set: d.from.memory ?? null } },
            expect: d.to,
          }),
      },
    });
    await rb.verify({ service: input.service, within: '10 minutes' });
  },
});
