import { z } from 'zod';
import { action, defineRunbook, field, type RunbookContext } from './sdk';
import { onCallApproval } from './gates';

/** Never scale a Deployment beyond this many replicas automatically. */
const maxReplicas = 20;

const inputs = z.object({ deployment: field.deployment, namespace: field.namespace });

async function scaleOut(
  rb: RunbookContext,
  { service, ...input }: z.output<typeof inputs> & { service: string },
  replicas: { add: number } | { multiply: number },
  how: string,
) {
  const target = { namespace: input.namespace ?? 'default', deployment: input.deployment };
  const name = `${target.namespace}/${input.deployment}`;
  await rb.approval(onCallApproval('approve', `Scale ${name} out (${how})`));
  await rb.step({
    name: 'scale-out',
    describe: `scale deployment ${name} out: ${how}, at most ${maxReplicas} replicas`,
    risk: 'low',
    timeout: '10 minutes',
    action: action('k8sScaleDeployment', { ...target, replicas, max: maxReplicas }),
    undo: {
      describe: 'scale back to the previous replica count, unless someone changed it since',
      call: (d) =>
        action('k8sScaleDeployment', { ...target, replicas: { set: d.from }, expect: d.to }),
    },
  });
  await rb.verify({ service, within: '10 minutes' });
}

/** Saturation relief: one more replica. Kept for runs started before v2 shipped. */
export const k8sScaleOutV1 = defineRunbook({
  name: 'k8s-scale-out',
  version: 1,
  title: 'Scale a Deployment out',
  risk: 'low',
  kinds: ['saturation', 'latency'],
  incidentKinds: ['cpu-saturation', 'traffic-surge'],
  inputs,
  body: (rb, input) => scaleOut(rb, input, { add: 1 }, 'one more replica'),
});

/** v2: half again as many replicas (at least one more), since +1 was too little on big fleets. */
export const k8sScaleOutV2 = defineRunbook({
  name: 'k8s-scale-out',
  version: 2,
  title: 'Scale a Deployment out',
  risk: 'low',
  kinds: ['saturation', 'latency'],
  incidentKinds: ['cpu-saturation', 'traffic-surge'],
  inputs,
  body: (rb, input) => scaleOut(rb, input, { multiply: 1.5 }, '50% more replicas'),
});
