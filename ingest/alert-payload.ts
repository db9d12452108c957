import { createHash } from 'node:crypto';
import { z } from 'zod';

/** One alert as received, whichever webhook it came through. */
export interface ReceivedAlert {
  fingerprint: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Undefined when the sender did not say (generic webhook): a firing alert keeps its episode. */
  startsAt: Date | undefined;
  endsAt: Date | undefined;
  generatorUrl: string | undefined;
}

export class AlertPayloadError extends Error {}

const labelSet = z.record(z.string(), z.string());
const time = z.iso.datetime({ offset: true });

const alert = z.object({
  status: z.enum(['firing', 'resolved']).default('firing'),
  labels: labelSet.refine((l) => Object.keys(l).length > 0, 'needs at least one label'),
  annotations: labelSet.default({}),
  startsAt: time.optional(),
  endsAt: time.optional(),
  generatorURL: z.string().optional(),
  fingerprint: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1–128 letters, digits or . _ : -')
    .optional(),
});

/** Alertmanager's webhook (version 4); the group envelope is read for nothing but its alerts. */
const alertmanagerPayload = z.object({
  version: z.literal('4'),
  alerts: z.array(alert.extend({ startsAt: time, fingerprint: z.string().min(1) })),
});

/** The generic webhook: `{ "alerts": [ ... ] }` with Alertmanager's alert fields, most optional. */
const genericPayload = z.object({ alerts: z.array(alert).min(1) });

export type AlertSource = 'alertmanager' | 'webhook';

/** Validates a webhook body; a bad body is refused whole with the first problems named. */
export function parseAlerts(body: Buffer, source: AlertSource): ReceivedAlert[] {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new AlertPayloadError('body is not valid JSON');
  }
  const parsed = (source === 'alertmanager' ? alertmanagerPayload : genericPayload).safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
      .join('; ');
    throw new AlertPayloadError(`invalid ${source} payload: ${problems}`);
  }
  return parsed.data.alerts.map((a) => ({
    fingerprint: a.fingerprint ?? labelFingerprint(a.labels),
    status: a.status,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: a.startsAt === undefined ? undefined : new Date(a.startsAt),
    endsAt: realTime(a.endsAt),
    generatorUrl: a.generatorURL || undefined,
  }));
}

/** Alertmanager writes Go's zero time (year 1) for "no end". */
function realTime(iso: string | undefined): Date | undefined {
  if (iso === undefined) return undefined;
  const at = new Date(iso);
  return at.getUTCFullYear() <= 1 ? undefined : at;
}

/** Like Alertmanager's: the identity of a label set, independent of label order. */
export function labelFingerprint(labels: Record<string, string>): string {
  const canonical = Object.keys(labels)
    .sort()
    .map((k) => `${k}\u0000${labels[k]}`)
    .join('\u0001');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}
