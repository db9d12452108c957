import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Why a process is not ready, or undefined when it is. */
export type ReadinessCheck = () => Promise<string | undefined>;

export interface HealthServer {
  port: number;
  stop(): Promise<void>;
}

/**
 * A role's probe and scrape endpoint: `/healthz` answers while the process runs (liveness),
 * `/readyz` while its dependencies answer too (readiness: 503 with the reason otherwise), and
 * `/metrics` is the Prometheus exposition of the engine's own metrics.
 */
export async function startHealthServer(opts: {
  host: string;
  port: number;
  ready: ReadinessCheck;
  metrics?: (req: IncomingMessage, res: ServerResponse) => void;
}): Promise<HealthServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      opts.ready().then(
        (reason) =>
          reason === undefined
            ? res.writeHead(200, { 'content-type': 'text/plain' }).end('ready\n')
            : res.writeHead(503, { 'content-type': 'text/plain' }).end(`not ready: ${reason}\n`),
        (err: unknown) =>
          res
            .writeHead(503, { 'content-type': 'text/plain' })
            .end(`not ready: ${err instanceof Error ? err.message : String(err)}\n`),
      );
    } else if (path === '/metrics' && opts.metrics) {
      opts.metrics(req, res);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
