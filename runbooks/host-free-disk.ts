import { z } from 'zod';
import { action, defineRunbook, field, irreversible } from './sdk';
import { onCallApproval } from './gates';

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/**
 * A disk filling up: delete the files an allow-listed cleanup names as disposable (old dumps,
 * rotated logs), after an approver saw the list and sizes. Only run when asked for by name or
 * by an alert naming the cleanup: the engine's telemetry does not say which disk is full.
 */
export const hostFreeDiskV1 = defineRunbook({
  name: 'host-free-disk',
  version: 1,
  title: 'Free disk on a host by an allow-listed cleanup',
  risk: 'medium',
  incidentKinds: ['disk-full', 'log-growth'],
  inputs: z.object({ host: field.host, cleanup: field.cleanup }),
  async body(rb, input) {
    const { host, cleanup } = input;
    const found = await rb.inspect({
      name: 'find-files',
      describe: `list the files cleanup ${cleanup} would delete on ${host}, with sizes`,
      timeout: '2 minutes',
      action: action('sshFindDisposableFiles', { host, cleanup }),
      example: {
        files: [{ path: '/var/crash/core.4242', bytes: 734_003_200 }],
        count: 1,
        bytes: 734_003_200,
      },
    });
    if (found.count === 0) {
      await rb.step({
        name: 'notify-nothing-found',
        describe: `tell the incident channel cleanup ${cleanup} found nothing on ${host}`,
        risk: 'low',
        timeout: '1 minute',
        action: action('notifyChannel', {
          text: `Cleanup ${cleanup} found no disposable file on ${host}; nothing was deleted. ${input.service} needs a human look.`,
        }),
        undo: irreversible('a message changes nothing'),
      });
      return;
    }
    await rb.approval(
      onCallApproval(
        'approve',
        `Delete ${found.count} file(s), ${mib(found.bytes)}, of cleanup ${cleanup} on ${host}`,
      ),
    );
    await rb.step({
      name: 'delete-files',
      describe: `delete the ${found.files.length} listed file(s) on ${host} that cleanup ${cleanup} still matches`,
      risk: 'medium',
      timeout: '5 minutes',
      action: action('sshDeleteDisposableFiles', {
        host,
        cleanup,
        paths: found.files.map((f) => f.path),
      }),
      undo: irreversible('deleting them is the point: their space is given back'),
    });
  },
});
