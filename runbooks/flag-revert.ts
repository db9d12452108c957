import { z } from 'zod';
import { action, defineRunbook, field, irreversible } from './sdk';
import { onCallApproval } from './gates';

/**
 * Errors after a feature flag was turned on: set it back to its safe value (from AIOPS_FLAGS),
 * then verify the service. The undo puts back the value read before.
 */
export const flagRevertV1 = defineRunbook({
  name: 'flag-revert',
  version: 1,
  title: 'Set a feature flag back to its safe value',
  risk: 'medium',
  kinds: ['errors', 'latency'],
  incidentKinds: ['config-error-burst', 'bad-deploy'],
  inputs: z.object({ flag: field.flag }),
  async body(rb, input) {
    const { flag } = input;
    const current = await rb.inspect({
      name: 'read-flag',
      describe: `read flag ${flag} and its safe value`,
      timeout: '1 minute',
      action: action('httpReadFlag', { flag }),
      example: { value: true, safe: false },
    });
    if (current.value === current.safe) {
      await rb.step({
        name: 'notify-already-safe',
        describe: `tell the incident channel flag ${flag} is already at its safe value`,
        risk: 'low',
        timeout: '1 minute',
        action: action('notifyChannel', {
          text: `Flag ${flag} is already ${JSON.stringify(current.safe)} (its safe value); nothing was changed. ${input.service} needs a human look.`,
        }),
        undo: irreversible('a message changes nothing'),
      });
      return;
    }
    const change = `${JSON.stringify(current.value)} to ${JSON.stringify(current.safe)}`;
    await rb.approval(onCallApproval('approve', `Set flag ${flag} from ${change}`));
    await rb.step({
      name: 'set-flag',
      describe: `set flag ${flag} from ${change}`,
      risk: 'medium',
      timeout: '1 minute',
      action: action('httpSetFlag', { flag, value: current.safe }),
      undo: {
        describe: 'set it back to the value read before',
        call: (d) => action('httpSetFlag', { flag, value: d.previous }),
      },
    });
    await rb.verify({ service: input.service, within: '10 minutes' });
  },
});
