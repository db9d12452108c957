import { z } from 'zod';
import { action, defineRunbook, field, irreversible } from './sdk';
import { onCallApproval } from './gates';

/** For services on hosts (not Kubernetes): `systemctl restart <unit>` over SSH. */
export const sshRestartUnitV1 = defineRunbook({
  name: 'ssh-restart-unit',
  version: 1,
  title: 'Restart a systemd service on its host',
  risk: 'medium',
  kinds: ['memory', 'saturation', 'errors', 'logs', 'latency'],
  incidentKinds: ['memory-leak', 'hung-process', 'cpu-saturation'],
  inputs: z.object({ host: field.host, unit: field.unit }),
  async body(rb, input) {
    const { host, unit } = input;
    await rb.approval(onCallApproval('approve', `Restart ${unit} on ${host}`));
    await rb.step({
      name: 'restart-unit',
      describe: `systemctl restart ${unit} on ${host}`,
      risk: 'medium',
      timeout: '5 minutes',
      action: action('sshRestartUnit', { host, unit }),
      undo: irreversible('a restarted service cannot be un-restarted'),
    });
    await rb.verify({ service: input.service, within: '10 minutes' });
  },
});
