import { z } from 'zod';
import { RunbookInputError } from './context';
import type { RunbookInput } from './types';

/** A runbook's input schema: an object over fields of RunbookInput. */
export type InputSchema = z.ZodObject<{ [K in keyof RunbookInput]?: z.ZodType }>;

/** What a runbook body receives: the incident's input, with its declared fields checked. */
export type RunbookInputOf<S extends InputSchema> = RunbookInput & z.output<S>;

/** Field schemas the built-in runbooks share; the descriptions show in `aiops runbooks show`. */
export const field = {
  namespace: z.string().min(1).optional().describe('Kubernetes namespace (default: default)'),
  deployment: z.string().min(1).describe('the Deployment to act on'),
  statefulset: z.string().min(1).describe('the StatefulSet to act on'),
  daemonset: z.string().min(1).describe('the DaemonSet to act on'),
  node: z.string().min(1).describe('the Kubernetes node to act on'),
  hpa: z.string().min(1).describe('the HorizontalPodAutoscaler to act on'),
  host: z.string().min(1).describe('the host, as SSH reaches it'),
  database: z.string().min(1).describe('a database by its name in AIOPS_PG_DATABASES'),
  unit: z.string().min(1).describe('a systemd unit on the host'),
  script: z
    .object({ name: z.string().min(1), args: z.array(z.string()).optional() })
    .describe('an allow-listed script by name, and its arguments'),
  cleanup: z.string().min(1).describe('a disk cleanup by its name in AIOPS_SSH_CLEANUPS'),
  log: z.string().min(1).describe('a log by its name in AIOPS_SSH_LOGS'),
  flag: z.string().min(1).describe('a feature flag by its name in AIOPS_FLAGS'),
} as const;

/** The declared fields a run cannot do without. */
export function requiredFields(schema: InputSchema | undefined): (keyof RunbookInput)[] {
  if (!schema) return [];
  return Object.entries(schema.shape)
    .filter(([, s]) => s !== undefined && !s.safeParse(undefined).success)
    .map(([k]) => k as keyof RunbookInput);
}

/**
 * The input checked against the schema, or a RunbookInputError naming every missing field
 * (`input is missing deployment, host`) or, when all are there, the first malformed one.
 */
export function checkInput<S extends InputSchema>(
  schema: S | undefined,
  input: RunbookInput,
): RunbookInputOf<S> {
  if (!schema) return input as RunbookInputOf<S>;
  const missing = requiredFields(schema).filter((f) => input[f] === undefined || input[f] === '');
  if (missing.length > 0) throw new RunbookInputError(`input is missing ${missing.join(', ')}`);
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RunbookInputError(`input field ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return { ...input, ...parsed.data };
}
