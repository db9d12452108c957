import { z } from 'zod';
import {
  action,
  defineRunbook,
  field,
  irreversible,
  RunbookNotApplicable,
  type RunbookContext,
  type RunbookDefinition,
} from './sdk';
import { onCallApproval } from './gates';

const inputs = z.object({ deployment: field.deployment, namespace: field.namespace });
type Input = z.output<typeof inputs> & { service: string };

/** The Deployment the input names, and how messages name it. */
function deploymentOf(input: Input) {
  const target = { namespace: input.namespace ?? 'default', deployment: input.deployment };
  return { target, name: `${target.namespace}/${input.deployment}` };
}

async function rollBack(rb: RunbookContext, input: Input) {
  const { target, name } = deploymentOf(input);
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
}

/** What both versions are: only how they plan and act differs. */
const rollbackRunbook = {
  name: 'k8s-rollback',
  title: 'Roll a Deployment back to its previous revision',
  risk: 'medium',
  kinds: ['errors', 'latency', 'logs'],
  incidentKinds: ['bad-deploy', 'config-error-burst'],
  inputs,
} satisfies Omit<RunbookDefinition<typeof inputs>, 'version' | 'body'>;

/** Undoes a bad deploy: the Deployment goes back to its previous revision. */
export const k8sRollbackV1 = defineRunbook({ ...rollbackRunbook, version: 1, body: rollBack });

/**
 * v2: reads the revision history while planning. A Deployment that never had another revision
 * has nothing to roll back to: instead of asking approval for a step bound to fail, the plan
 * tells the incident channel so and the run ends `not_applicable`, having changed nothing (not a
 * success the knowledge graph would learn from, nor a failed fix).
 */
export const k8sRollbackV2 = defineRunbook({
  ...rollbackRunbook,
  version: 2,
  async body(rb, input) {
    const { target, name } = deploymentOf(input);
    const history = await rb.inspect({
      name: 'read-revisions',
      describe: `read the revision history of deployment ${name}`,
      timeout: '1 minute',
      action: action('k8sReadRollbackTarget', target),
      example: { current: 2, previous: 1 },
    });
    if (history.previous !== null) return rollBack(rb, input);
    const reason = `deployment ${name} is at revision ${history.current} and has no earlier one: there is nothing to roll back to`;
    await rb.step({
      name: 'notify-nothing-to-roll-back',
      describe: `tell the incident channel deployment ${name} has no earlier revision`,
      risk: 'low',
      timeout: '1 minute',
      action: action('notifyChannel', {
        text: `Not rolling back: ${reason}, so nothing was changed. ${input.service} needs a human look.`,
      }),
      undo: irreversible('a message changes nothing'),
    });
    throw new RunbookNotApplicable(reason);
  },
});
