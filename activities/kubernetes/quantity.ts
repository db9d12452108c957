/**
 * Kubernetes resource quantities (`512Mi`, `1.5Gi`, `250m`, `2`), as far as limits use them:
 * parsed to a number of base units and written back in the largest unit that keeps it whole.
 */
const suffixes: [string, number][] = [
  ['Ki', 2 ** 10],
  ['Mi', 2 ** 20],
  ['Gi', 2 ** 30],
  ['Ti', 2 ** 40],
  ['k', 1e3],
  ['M', 1e6],
  ['G', 1e9],
  ['T', 1e12],
  ['m', 1e-3],
];

export function parseQuantity(text: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)([A-Za-z]*)$/.exec(text.trim());
  const unit = match?.[2] ?? '';
  const factor = unit === '' ? 1 : suffixes.find(([s]) => s === unit)?.[1];
  if (!match || factor === undefined) throw new Error(`not a resource quantity: ${text}`);
  return Number(match[1]) * factor;
}

/** Memory in bytes as the largest binary unit that divides it (Mi at least, rounded up). */
export function formatMemory(bytes: number): string {
  const mi = Math.ceil(bytes / 2 ** 20);
  return mi % 1024 === 0 ? `${mi / 1024}Gi` : `${mi}Mi`;
}

/** CPU in cores as millicores (rounded up), or whole cores when exact. */
export function formatCpu(cores: number): string {
  const milli = Math.ceil(cores * 1000 - 1e-9);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}
