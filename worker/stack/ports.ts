import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly component: string,
    readonly setting: string,
  ) {
    super(
      `Port ${port} is already in use, so ${component} cannot start there. ` +
        `Stop whatever listens on it (e.g. \`ss -ltnp 'sport = :${port}'\`) or choose another port with ${setting}.`,
    );
  }
}

export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.once('error', () => resolveFree(false));
    server.listen(port, host, () => server.close(() => resolveFree(true)));
  });
}

export async function assertPortFree(port: number, component: string, setting: string) {
  if (!(await isPortFree(port))) throw new PortInUseError(port, component, setting);
}

/** A port the OS reports free right now (for tests that start their own servers). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** The lowest port the kernel hands out by itself (to outgoing connections and `listen(0)`). */
function ephemeralRangeStart(): number {
  try {
    const low = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0],
    );
    return Number.isInteger(low) && low > 0 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/**
 * Distinct free ports below the kernel's ephemeral range, for a test whose servers are stopped
 * and started again on the same ports, as a user's configured ports are. A port from `freePort()`
 * lies inside that range, so while its server is down an outgoing connection or another test's
 * `freePort()` can be handed it, and the restart fails with EADDRINUSE.
 */
export async function freeFixedPorts(count: number): Promise<number[]> {
  const high = ephemeralRangeStart();
  const low = 10_000;
  const ports = new Set<number>();
  while (ports.size < count) {
    const port =
      high - low < 1_000 ? await freePort() : low + Math.floor(Math.random() * (high - low));
    if (!ports.has(port) && (await isPortFree(port))) ports.add(port);
  }
  return [...ports];
}

/** Every port setting of a local stack on a free port: a benchmark's own stack beside others. */
export async function freeStackPorts(): Promise<Record<string, string>> {
  const settings = [
    'AIOPS_PG_PORT',
    'AIOPS_TEMPORAL_PORT',
    'AIOPS_TEMPORAL_UI_PORT',
    'AIOPS_OTLP_GRPC_PORT',
    'AIOPS_OTLP_HTTP_PORT',
    'AIOPS_NEO4J_BOLT_PORT',
    'AIOPS_GATEWAY_PORT',
  ];
  const ports: Record<string, string> = {};
  for (const setting of settings) ports[setting] = String(await freePort());
  return ports;
}
