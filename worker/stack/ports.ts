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
