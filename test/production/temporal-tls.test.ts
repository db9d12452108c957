import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../worker/config';
import {
  connectClient,
  connectWorker,
  TemporalConnectError,
} from '../../worker/temporal-connection';
import {
  makeCertificates,
  readPem,
  type Certificates,
} from '../fixtures/tls-terminator/certificates';
import { startTlsTerminator, type TlsTerminator } from '../fixtures/tls-terminator/proxy';

/**
 * Temporal connections from the standard environment configuration, through a TLS terminator
 * in front of the test dev server: server TLS, mTLS, API key, a config-file profile, and a
 * wrong CA refused with a clear error. Both connection kinds are checked: the client's
 * (grpc-js) and the worker's (the SDK's Rust core).
 */
describe('Temporal connection settings (envconfig)', () => {
  let dir: string;
  let certs: Certificates;
  let tls: TlsTerminator;
  let mtls: TlsTerminator;
  let apiKey: TlsTerminator;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aiops-tls-'));
    certs = await makeCertificates(dir);
    const server = {
      upstream: inject('temporalAddress'),
      key: await readPem(certs.serverKeyPath),
      cert: await readPem(certs.serverCertPath),
    };
    [tls, mtls, apiKey] = await Promise.all([
      startTlsTerminator(server),
      startTlsTerminator({ ...server, clientCa: await readPem(certs.caPath) }),
      startTlsTerminator({ ...server, apiKey: 'tmprl-test-key' }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([tls?.close(), mtls?.close(), apiKey?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  /** Connects the client and the worker connection as the engine would; the server's version. */
  async function connectBoth(env: Record<string, string>) {
    const config = loadConfig({ ...env, TEMPORAL_CONFIG_FILE: join(dir, 'none.toml') });
    const address = config.temporal.address!;
    const { connection } = await connectClient(config.temporal, address, {
      connectTimeout: 10_000,
    });
    try {
      const info = await connection.workflowService.getSystemInfo({});
      const worker = await connectWorker(config.temporal, address);
      const fromWorker = await worker.workflowService.getSystemInfo({});
      await worker.close();
      return { client: info.serverVersion, worker: fromWorker.serverVersion };
    } finally {
      await connection.close();
    }
  }

  it('server TLS with a private CA', async () => {
    const versions = await connectBoth({
      TEMPORAL_ADDRESS: tls.address,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caPath,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    });
    expect(versions.client).toMatch(/^\d+\.\d+/);
    expect(versions.worker).toBe(versions.client);
  });

  it('mTLS: the client certificate is presented, and required', async () => {
    const env = {
      TEMPORAL_ADDRESS: mtls.address,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caPath,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    };
    const versions = await connectBoth({
      ...env,
      TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCertPath,
      TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKeyPath,
    });
    expect(versions.client).toMatch(/^\d+\.\d+/);
    await expect(connectBoth(env)).rejects.toThrow(TemporalConnectError);
  });

  it('API key: sent as a bearer token over TLS; a wrong one is refused', async () => {
    const env = {
      TEMPORAL_ADDRESS: apiKey.address,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caPath,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    };
    const versions = await connectBoth({ ...env, TEMPORAL_API_KEY: 'tmprl-test-key' });
    expect(versions.client).toMatch(/^\d+\.\d+/);
    await expect(connectBoth({ ...env, TEMPORAL_API_KEY: 'wrong' })).rejects.toThrow(
      /invalid API key/,
    );
  });

  it('a profile from the Temporal config file', async () => {
    const file = join(dir, 'temporal.toml');
    await writeFile(
      file,
      [
        '[profile.prod]',
        `address = "${mtls.address}"`,
        'namespace = "default"',
        '[profile.prod.tls]',
        `server_ca_cert_path = "${certs.caPath}"`,
        'server_name = "localhost"',
        `client_cert_path = "${certs.clientCertPath}"`,
        `client_key_path = "${certs.clientKeyPath}"`,
        '',
      ].join('\n'),
    );
    const config = loadConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' });
    expect(config.temporal.address).toBe(mtls.address);
    const { connection } = await connectClient(config.temporal, mtls.address);
    expect((await connection.workflowService.getSystemInfo({})).serverVersion).toMatch(/^\d/);
    await connection.close();
  });

  it('a wrong CA is refused with an error naming the address and the TLS settings', async () => {
    const attempt = connectBoth({
      TEMPORAL_ADDRESS: tls.address,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.otherCaPath,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    });
    await expect(attempt).rejects.toThrow(TemporalConnectError);
    await expect(attempt).rejects.toThrow(
      new RegExp(
        `cannot connect to Temporal at ${tls.address} over TLS: .*the TLS handshake fails: .*certificate.*TEMPORAL_TLS_SERVER_CA_CERT_PATH`,
      ),
    );
  });

  it('an unreadable CA file is a configuration error', () => {
    expect(() =>
      loadConfig({
        TEMPORAL_ADDRESS: tls.address,
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'missing.pem'),
        TEMPORAL_CONFIG_FILE: join(dir, 'none.toml'),
      }),
    ).toThrow(/Invalid Temporal environment configuration/);
  });
});
