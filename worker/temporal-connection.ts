/**
 * The one place that builds Temporal connections, client and worker alike. Settings come from
 * Temporal's standard environment configuration (`@temporalio/envconfig`): TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_GRPC_META_*, and profiles in
 * the config file (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE), so Temporal Cloud (API key or mTLS)
 * and self-hosted TLS clusters need no code change.
 */
import type { Client, Connection } from '@temporalio/client';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { loadClientConfigProfile, toClientOptions } from '@temporalio/envconfig';
import type { NativeConnection } from '@temporalio/worker';

/** A configured Temporal: where it is and how to authenticate (the profile's settings). */
export interface TemporalEndpoint {
  /** Undefined: no Temporal is configured; the laptop stack runs a dev server. */
  address: string | undefined;
  namespace: string | undefined;
  tls: TLSConfig | boolean | undefined;
  apiKey: string | undefined;
  metadata: Record<string, string> | undefined;
}

/** Reads the environment configuration; a malformed file or an unreadable cert throws. */
export function loadTemporalEndpoint(env: NodeJS.ProcessEnv): TemporalEndpoint {
  const vars = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const { connectionOptions, namespace } = toClientOptions(
    loadClientConfigProfile({ overrideEnvVars: vars }),
  );
  return {
    address: connectionOptions.address?.trim() || undefined,
    namespace: namespace?.trim() || undefined,
    tls: connectionOptions.tls ?? undefined,
    apiKey: connectionOptions.apiKey,
    metadata: textMetadata(connectionOptions.metadata),
  };
}

/** gRPC metadata from the configuration is text (TEMPORAL_GRPC_META_*, the profile's grpc_meta). */
function textMetadata(
  metadata: Record<string, string | Buffer> | undefined,
): Record<string, string> | undefined {
  if (!metadata) return undefined;
  return Object.fromEntries(
    Object.entries(metadata).map(([key, value]) => [key, value.toString()]),
  );
}

/** The settings a connection needs, shared by the client's and the worker's connections. */
export interface TemporalSettings {
  endpoint: TemporalEndpoint;
  namespace: string;
}

/**
 * Connection options for `address`: the configured endpoint's TLS, API key and gRPC metadata;
 * a local dev server (another address) speaks plain gRPC.
 */
function connectionOptions(
  settings: TemporalSettings,
  address: string,
): Partial<Pick<TemporalEndpoint, 'tls' | 'apiKey' | 'metadata'>> & { address: string } {
  const { endpoint } = settings;
  if (address !== endpoint.address) return { address };
  return {
    address,
    ...(endpoint.tls !== undefined && { tls: endpoint.tls }),
    ...(endpoint.apiKey !== undefined && { apiKey: endpoint.apiKey }),
    ...(endpoint.metadata !== undefined && { metadata: endpoint.metadata }),
  };
}

export class TemporalConnectError extends Error {}

/** The messages of an error and its causes: the SDKs put the server's answer in a cause. */
function reasons(err: unknown): string {
  const messages: string[] = [];
  for (let e: unknown = err; e instanceof Error && messages.length < 5; e = e.cause) {
    messages.push(e.message.split('\n')[0] ?? '');
  }
  return messages.length ? messages.join(': ') : String(err);
}

/**
 * A TLS handshake with the same settings, to say why a TLS connection failed: gRPC reports a
 * refused certificate only as "failed to connect before the deadline".
 */
async function tlsHandshakeFailure(
  address: string,
  tls: TLSConfig | true,
): Promise<string | undefined> {
  const { connect } = await import('node:tls');
  const separator = address.lastIndexOf(':');
  const settings = tls === true ? {} : tls;
  return new Promise((resolve) => {
    const socket = connect({
      host: address.slice(0, separator),
      port: Number(address.slice(separator + 1)),
      servername: settings.serverNameOverride ?? address.slice(0, separator),
      ALPNProtocols: ['h2'],
      ...(settings.serverRootCACertificate && {
        ca: Buffer.from(settings.serverRootCACertificate),
      }),
      ...(settings.clientCertPair && {
        cert: Buffer.from(settings.clientCertPair.crt),
        key: Buffer.from(settings.clientCertPair.key),
      }),
    });
    socket.setTimeout(5_000, () => socket.destroy(new Error('TLS handshake timed out')));
    socket.once('secureConnect', () => {
      socket.end();
      resolve(undefined);
    });
    socket.once('error', (err) => resolve(err.message));
  });
}

/** Names the address, the TLS side and the server's answer of a failed connection. */
async function connectError(address: string, settings: TemporalSettings, err: unknown) {
  const { tls } = connectionOptions(settings, address);
  const secure = tls !== undefined && tls !== false;
  const handshake = secure ? await tlsHandshakeFailure(address, tls) : undefined;
  const advice = handshake
    ? `; the TLS handshake fails: ${handshake} (check TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME and the client certificate)`
    : '';
  return new TemporalConnectError(
    `cannot connect to Temporal at ${address}${secure ? ' over TLS' : ''}: ${reasons(err)}${advice}`,
    { cause: err },
  );
}

/** A client connection and a client on the configured namespace, traced. */
export async function connectClient(
  settings: TemporalSettings,
  address: string,
  opts: { connectTimeout?: number } = {},
): Promise<{ connection: Connection; client: Client }> {
  const { Client, Connection } = await import('@temporalio/client');
  const { OpenTelemetryWorkflowClientInterceptor } =
    await import('@temporalio/interceptors-opentelemetry');
  const connection = await Connection.connect({
    ...connectionOptions(settings, address),
    ...(opts.connectTimeout !== undefined && { connectTimeout: opts.connectTimeout }),
  }).catch(async (err: unknown) => {
    throw await connectError(address, settings, err);
  });
  // Starting or signalling a workflow opens a span and carries its context in the headers.
  const interceptors = { workflow: [new OpenTelemetryWorkflowClientInterceptor()] };
  return {
    connection,
    client: new Client({ connection, namespace: settings.namespace, interceptors }),
  };
}

/** A worker connection (the SDK's native core) with the same settings as the client's. */
export async function connectWorker(
  settings: TemporalSettings,
  address: string,
): Promise<NativeConnection> {
  const { NativeConnection } = await import('@temporalio/worker');
  return NativeConnection.connect(connectionOptions(settings, address)).catch(
    async (err: unknown) => {
      throw await connectError(address, settings, err);
    },
  );
}
