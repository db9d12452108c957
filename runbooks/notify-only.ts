import { action, defineRunbook, irreversible } from './sdk';

/** When no automatic fix fits: tell the humans what was found, change nothing. */
export const notifyOnlyV1 = defineRunbook({
  name: 'notify-only',
  version: 1,
  title: 'Notify the incident channel',
  risk: 'low',
  kinds: 'any',
  incidentKinds: ['unknown'],
  async body(rb, input) {
    const cause = input.rootCause
      ? ` Top root cause: ${input.rootCause.service} (${input.rootCause.kind}, score ${input.rootCause.score.toFixed(2)}).`
      : '';
    await rb.step({
      name: 'notify',
      describe: 'post the incident summary to the incident channel',
      risk: 'low',
      timeout: '1 minute',
      action: action('notifyChannel', {
        text: `Incident ${input.incidentId} on ${input.service}: ${input.summary ?? 'no summary'}.${cause} No automatic remediation applies; please take a look.`,
      }),
      undo: irreversible('a message changes nothing'),
    });
  },
});
