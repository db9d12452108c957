import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ServerCredentials } from '@grpc/grpc-js';

/**
 * Who may send telemetry. Bearer tokens (the `Authorization` header OTel SDK exporters and the
 * Collector's `bearertokenauth` send, on HTTP and as gRPC metadata) are configured by their
 * SHA-256 digests, each naming a tenant or none; TLS, optionally requiring client certificates
 * (mTLS), protects them in transit. Without tokens the receivers are open (the laptop default).
 */
export interface IngestAuthSettings {
  /** SHA-256 digest (hex) of each accepted token → the tenant it names (null: none). */
  tokens: Record<string, string | null>;
  tls: { certFile: string; keyFile: string; clientCaFile: string | undefined } | undefined;
}

export type IngestCaller = { ok: true; tenant: string | undefined } | { ok: false; reason: string };

export interface IngestAuth {
  /** Checks an `Authorization` header value; open receivers let everyone in, with no tenant. */
  authenticate(authorization: string | undefined): IngestCaller;
  /** Options for `https.createServer`, when TLS is on. */
  httpsOptions: { cert: Buffer; key: Buffer; ca?: Buffer; requestCert: boolean } | undefined;
  grpcCredentials(): ServerCredentials;
}

export function ingestAuth(settings: IngestAuthSettings): IngestAuth {
  const tokens = Object.entries(settings.tokens).map(([hex, tenant]) => {
    if (!/^[0-9a-f]{64}$/i.test(hex)) {
      throw new Error('AIOPS_OTLP_TOKENS keys must be SHA-256 digests (64 hex characters)');
    }
    return { digest: Buffer.from(hex, 'hex'), tenant: tenant ?? undefined };
  });
  const tls = settings.tls && {
    cert: readFileSync(settings.tls.certFile),
    key: readFileSync(settings.tls.keyFile),
    ca: settings.tls.clientCaFile ? readFileSync(settings.tls.clientCaFile) : undefined,
  };
  return {
    authenticate(authorization) {
      if (tokens.length === 0) return { ok: true, tenant: undefined };
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
      if (!match) return { ok: false, reason: 'missing bearer token' };
      const digest = createHash('sha256').update(match[1]!, 'utf8').digest();
      const found = tokens.find((t) => timingSafeEqual(t.digest, digest));
      return found ? { ok: true, tenant: found.tenant } : { ok: false, reason: 'unknown token' };
    },
    httpsOptions: tls && {
      cert: tls.cert,
      key: tls.key,
      ...(tls.ca ? { ca: tls.ca } : {}),
      // With a client CA, a connection without a certificate it signed is refused in the handshake.
      requestCert: tls.ca !== undefined,
    },
    grpcCredentials: () =>
      tls
        ? ServerCredentials.createSsl(
            tls.ca ?? null,
            [{ private_key: tls.key, cert_chain: tls.cert }],
            tls.ca !== undefined,
          )
        : ServerCredentials.createInsecure(),
  };
}
