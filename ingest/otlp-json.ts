/**
 * Prepares a parsed OTLP/JSON request for the generated `fromObject`:
 * - trace and span ids are hex strings in OTLP/JSON (not base64, as protobuf's JSON mapping
 *   would have them) and become bytes; these key names appear nowhere else in OTLP (attribute
 *   keys are values, not object keys);
 * - JSON can carry lone UTF-16 surrogates ("\ud800"), which have no UTF-8 form: they become
 *   U+FFFD, so the request re-encodes to valid protobuf.
 */
const idFields = new Set(['traceId', 'spanId', 'parentSpanId']);
const hexPattern = /^(?:[0-9a-fA-F]{2})*$/;

class MalformedJsonError extends Error {}

export function prepareOtlpJson(value: unknown, depth = 0): unknown {
  if (depth > 64) throw new MalformedJsonError('JSON nested too deeply');
  if (typeof value === 'string') return value.isWellFormed() ? value : value.toWellFormed();
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = prepareOtlpJson(value[i], depth + 1);
    return value;
  }
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  for (const [key, field] of Object.entries(object)) {
    if (idFields.has(key) && typeof field === 'string') {
      if (!hexPattern.test(field)) throw new MalformedJsonError(`${key} is not hex: "${field}"`);
      object[key] = Buffer.from(field, 'hex');
    } else object[key] = prepareOtlpJson(field, depth + 1);
  }
  return object;
}
