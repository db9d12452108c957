import { z } from 'zod';
import { action, defineRunbook, field, irreversible } from './sdk';
import { onCallApproval } from './gates';

/**
 * Runs one script from the worker's allow-list (AIOPS_SSH_SCRIPTS) on a host. Scripts can do
 * anything, so this is high risk: by default two people approve it.
 */
export const sshRunScriptV1 = defineRunbook({
  name: 'ssh-run-script',
  version: 1,
  title: 'Run an allow-listed script on a host',
  risk: 'high',
  incidentKinds: ['unknown'],
  inputs: z.object({ host: field.host, script: field.script }),
  async body(rb, input) {
    const { host, script } = input;
    const args = script.args ?? [];
    const shown = [script.name, ...args].join(' ');
    await rb.approval(onCallApproval('approve', `Run \`${shown}\` on ${host}`));
    await rb.step({
      name: 'run-script',
      describe: `run allow-listed script ${shown} on ${host}`,
      risk: 'high',
      timeout: '10 minutes',
      action: action('sshRunScript', { host, script: script.name, args }),
      undo: {
        describe: "run the allow-list's undo script with the same arguments, if it names one",
        call: (d) =>
          d.undo
            ? action('sshRunScript', { host, script: d.undo, args })
            : irreversible(`the allow-list names no undo script for ${script.name}`),
      },
    });
    await rb.verify({ service: input.service, within: '10 minutes' });
  },
});
