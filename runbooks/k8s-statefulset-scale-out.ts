import { z } from 'zod';
import { action, defineRunbook, field } from './sdk';
import { onCallApproval } from './gates';

/** Never scale a StatefulSet beyond this many replicas automatically. */
const maxReplicas = 10;

/**
 * Saturation relief for a StatefulSet: half again as many replicas (at least one more). Only for
 * StatefulSets whose members join by themselves (the new ordinals start empty).
 */
export const k8sStatefulsetScaleOutV1 = defineRunbook({
  name: 'k8s-statefulset-scale-out',
  version: 1,
  title: 'Scale a StatefulSet out',
  risk: 'low',
  kinds: ['saturation', 'latency'],
  incidentKinds: ['cpu-saturation', 'traffic-surge'],
  inputs: z.object({ statefulset: field.statefulset, namespace: field.namespace }),
  async body(rb, input) {
    const target = { namespace: input.namespace ?? 'default', name: input.statefulset };
    const name = `${target.namespace}/${target.name}`;
    await rb.approval(onCallApproval('approve', `Scale statefulset ${name} out (50% more)`));
    await rb.step({
      name: 'scale-out',
      describe: `scale statefulset ${name} out: 50% more replicas, at most ${maxReplicas}`,
      risk: 'low',
      timeout: '15 minutes',
      action: action('k8sScaleStatefulSet', {
        ...target,
        replicas: { multiply: 1.5 },
        max: maxReplicas,
      }),
      undo: {
        describe: 'scale back to the previous replica count, unless someone changed it since',
        call: (d) =>
          action('k8sScaleStatefulSet', { ...target, replicas: { set: d.from }, expect: d.to }),
      },
    });
    await rb.verify({ service: input.service, within: '10 minutes' });
  },
});
