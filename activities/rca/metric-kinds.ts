/**
 * What a metric measures, read from its name. One distinction matters to the ranking: a
 * client-side latency (the time a process waited on calls it made) against a server-side latency
 * (the time it took to serve) and every other gauge.
 */

/** The words of a name: split at separators and where lower case turns upper. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

const durationWords = new Set(['duration', 'latency']);
/** A client's connection pool is its own resource: how long connections live or take to open. */
const poolWords = new Set(['connection', 'connections']);

/**
 * A client-side latency: a process's wait on the calls it made, as OpenTelemetry's
 * `http.client.request.duration`, `rpc.client.call.duration`, `db.client.operation.duration`,
 * `messaging.client.operation.duration` (or their Prometheus forms) and a pod's
 * `PodClientLatencyP99(s)`. It holds the callees' time with the caller's: the traces carry the
 * same waits per callee, with the side each belongs to.
 */
export function isClientLatency(name: string): boolean {
  const w = words(name);
  return (
    w.includes('client') && w.some((x) => durationWords.has(x)) && !w.some((x) => poolWords.has(x))
  );
}
