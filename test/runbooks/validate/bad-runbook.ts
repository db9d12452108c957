// A runbook that breaks the rules `aiops runbooks validate` checks (the CLI test).
import { readFileSync } from 'node:fs';
import { action, defineRunbook, irreversible } from '../../../runbooks/sdk';

export const restartEverything = defineRunbook({
  name: 'Restart_Everything',
  version: 1,
  title: 'restart everything',
  risk: 'low',
  async body(rb, input) {
    Promise.resolve(input.service);
    await rb.step({
      name: 'restart',
      describe: readFileSync('/etc/hostname', 'utf8'),
      risk: 'medium',
      timeout: '1 minute',
      action: action('k8sRolloutRestart', { namespace: 'default', deployment: input.service }),
      undo: irreversible('restarts cannot be undone'),
    });
  },
});
