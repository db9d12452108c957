/**
 * OTLP/JSON differs from protobuf's canonical JSON mapping in one way that matters here:
 * trace and span ids are hex strings, not base64. This walks a parsed request and turns them
 * into bytes so the generated `fromObject` (which reads bytes fields as base64) can take over.
 * These key names appear nowhere else in OTLP (attribute keys are values, not object keys).
 */
const idFields = new Set(['traceId', 'spanId', 'parentSpanId']);
const hexPattern = /^(?:[0-9a-fA-F]{2})*$/;

export class InvalidJsonIdError extends Error {}

export function decodeJsonIds(value: unknown, depth = 0): void {
  if (depth > 64) throw new InvalidJsonIdError('JSON nested too deeply');
  if (Array.isArray(value)) {
    for (const item of value) decodeJsonIds(item, depth + 1);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const object = value as Record<string, unknown>;
  for (const [key, field] of Object.entries(object)) {
    if (idFields.has(key) && typeof field === 'string') {
      if (!hexPattern.test(field)) throw new InvalidJsonIdError(`${key} is not hex: "${field}"`);
      object[key] = Buffer.from(field, 'hex');
    } else if (typeof field === 'object') {
      decodeJsonIds(field, depth + 1);
    }
  }
}
