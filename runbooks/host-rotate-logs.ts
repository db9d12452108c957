import { z } from 'zod';
import { action, defineRunbook, field, irreversible } from './sdk';
import { onCallApproval } from './gates';

/**
 * A log growing too fast for its disk: rotate it now (logrotate --force, or copy-truncate),
 * keeping every line. Low risk: nothing is lost and the service keeps running.
 */
export const hostRotateLogsV1 = defineRunbook({
  name: 'host-rotate-logs',
  version: 1,
  title: 'Rotate an allow-listed log on a host',
  risk: 'low',
  incidentKinds: ['log-growth', 'disk-full'],
  inputs: z.object({ host: field.host, log: field.log }),
  async body(rb, input) {
    const { host, log } = input;
    await rb.approval(onCallApproval('approve', `Rotate log ${log} on ${host}`));
    await rb.step({
      name: 'rotate-log',
      describe: `rotate log ${log} on ${host} now`,
      risk: 'low',
      timeout: '5 minutes',
      action: action('sshRotateLogs', { host, log }),
      undo: irreversible(
        'every line is kept in the rotated file; un-rotating would mix in newer ones',
      ),
    });
  },
});
