import { z } from 'zod';
import { action, defineRunbook, field } from './sdk';
import { onCallApproval } from './gates';

/** Never let an autoscaler go beyond this many replicas automatically. */
const ceiling = 30;

/**
 * Saturation with the autoscaler pinned at its maximum (or a floor too low for a surge): double
 * its bounds (at most 30), so it can add replicas by itself, then check the service recovers.
 */
export const k8sRaiseHpaBoundsV1 = defineRunbook({
  name: 'k8s-raise-hpa-bounds',
  version: 1,
  title: "Raise a HorizontalPodAutoscaler's min/max replicas",
  risk: 'low',
  kinds: ['saturation', 'latency'],
  incidentKinds: ['cpu-saturation', 'traffic-surge'],
  inputs: z.object({ hpa: field.hpa, namespace: field.namespace }),
  async body(rb, input) {
    const target = { namespace: input.namespace ?? 'default', hpa: input.hpa };
    const name = `${target.namespace}/${target.hpa}`;
    await rb.approval(onCallApproval('approve', `Double the bounds of autoscaler ${name}`));
    await rb.step({
      name: 'raise-bounds',
      describe: `double hpa ${name}'s minReplicas and maxReplicas, at most ${ceiling}`,
      risk: 'low',
      timeout: '2 minutes',
      action: action('k8sSetHpaBounds', {
        ...target,
        min: { multiply: 2 },
        max: { multiply: 2 },
        ceiling,
      }),
      undo: {
        describe: 'set back the bounds it found, unless someone changed them since',
        call: (d) =>
          action('k8sSetHpaBounds', {
            ...target,
            min: { set: d.from.min },
            max: { set: d.from.max },
            expect: d.to,
          }),
      },
    });
    await rb.verify({ service: input.service, within: '15 minutes' });
  },
});
