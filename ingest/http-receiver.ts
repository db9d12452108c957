import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { gunzip } from 'node:zlib';
import { status as GrpcStatus } from '@grpc/grpc-js';
import {
  asExportError,
  InvalidRequestError,
  OverloadedError,
  RequestTooLargeError,
  type ExportError,
} from './errors';
import type { Admission, AdmissionTicket } from './admission';
import type { HttpRoute } from './alerts';
import type { IngestAuth } from './auth';
import { RpcStatus } from './otlp';
import type { Format, IngestPipeline } from './pipeline';
import type { Signal } from './signals/signal';

export interface HttpReceiverDeps {
  pipeline: IngestPipeline;
  signals: readonly Signal[];
  /** Limit on the (decompressed) request body. */
  maxRequestBytes: number;
  admission: Admission;
  auth?: IngestAuth;
  /** Other endpoints on this server (the alert webhooks), behind the same authentication. */
  routes?: Record<string, HttpRoute>;
}

const contentTypes: Record<Format, string> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

function requestFormat(contentType: string | undefined): Format | null {
  const media = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (media === 'application/x-protobuf' || media === 'application/protobuf') return 'protobuf';
  if (media === 'application/json') return 'json';
  return null;
}

/** A google.rpc.Status body (the OTLP/HTTP error payload) in the request's format. */
function sendStatus(
  res: ServerResponse,
  httpStatus: number,
  code: GrpcStatus,
  message: string,
  format: Format,
  headers: Record<string, string> = {},
): void {
  const body =
    format === 'json'
      ? Buffer.from(JSON.stringify({ code, message, details: [] }))
      : Buffer.from(RpcStatus.encode({ code, message }).finish());
  res.writeHead(httpStatus, {
    ...headers,
    'Content-Type': contentTypes[format],
    'Content-Length': body.length,
  });
  res.end(body);
}

function sendError(res: ServerResponse, err: ExportError, format: Format, bodyRead = true): void {
  const headers: Record<string, string> = {};
  if (err.retryAfterSeconds !== null) headers['Retry-After'] = String(err.retryAfterSeconds);
  // Stop reading a body we refused: the connection closes after the response.
  if (err instanceof RequestTooLargeError || !bodyRead) headers.Connection = 'close';
  sendStatus(res, err.httpStatus, err.grpcCode, err.message, format, headers);
}

/** Reads the body, holding its bytes on the ticket as they arrive (bodies without a length). */
export function readBody(
  req: IncomingMessage,
  ticket: AdmissionTicket,
  declared: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      try {
        if (size > declared) ticket.grow(size);
        chunks.push(chunk);
      } catch (err) {
        req.removeAllListeners('data');
        req.resume();
        reject(err as Error);
      }
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

function gunzipWithin(body: Buffer, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    gunzip(body, { maxOutputLength: limit }, (err, out) => {
      if (!err) resolve(out);
      else if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
        reject(new RequestTooLargeError(`decompressed request body exceeds ${limit} bytes`));
      else reject(new InvalidRequestError(`malformed gzip body: ${err.message}`));
    });
  });
}

/**
 * OTLP/HTTP: POST /v1/traces, /v1/metrics, /v1/logs with protobuf or JSON bodies, optionally
 * gzip-compressed. The response (success, partial success or a google.rpc.Status error) is in
 * the request's content type and is sent only after the data is committed.
 */
export function createHttpReceiver(deps: HttpReceiverDeps): Server | HttpsServer {
  const byPath = new Map(deps.signals.map((s) => [s.httpPath, s]));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const format = requestFormat(req.headers['content-type']);
    const replyFormat = format ?? 'json';
    const caller = deps.auth?.authenticate(req.headers.authorization);
    if (caller && !caller.ok) {
      res.setHeader('Connection', 'close');
      return sendStatus(res, 401, GrpcStatus.UNAUTHENTICATED, caller.reason, replyFormat, {
        'WWW-Authenticate': 'Bearer',
      });
    }
    const path = (req.url ?? '/').split('?')[0]!;
    const route = deps.routes?.[path];
    if (route) return route(req, res, caller?.tenant);
    const signal = byPath.get(path);
    if (!signal) {
      const paths = [...byPath.keys()].join(', ');
      return sendStatus(
        res,
        404,
        GrpcStatus.NOT_FOUND,
        `no OTLP endpoint at ${path}; use ${paths}`,
        replyFormat,
      );
    }
    if (req.method !== 'POST')
      return sendStatus(
        res,
        405,
        GrpcStatus.UNIMPLEMENTED,
        'OTLP/HTTP accepts POST only',
        replyFormat,
        {
          Allow: 'POST',
        },
      );
    if (!format)
      return sendStatus(
        res,
        415,
        GrpcStatus.INVALID_ARGUMENT,
        `unsupported content type "${req.headers['content-type'] ?? ''}"; use application/x-protobuf or application/json`,
        replyFormat,
      );
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding !== 'identity' && encoding !== 'gzip')
      return sendStatus(
        res,
        415,
        GrpcStatus.INVALID_ARGUMENT,
        `unsupported content encoding "${encoding}"; use gzip or none`,
        format,
      );
    let ticket: AdmissionTicket | undefined;
    try {
      // Admission before reading the body, by its declared size and the bytes others hold:
      // an overloaded receiver must not buffer more.
      if (!deps.pipeline.hasRoom()) throw new OverloadedError('ingest queue full; retry later');
      const declared = Number(req.headers['content-length']) || 0;
      ticket = deps.admission.admit(declared);
      let body = await readBody(req, ticket, declared);
      if (encoding === 'gzip') {
        const compressed = body.length;
        body = await gunzipWithin(body, deps.maxRequestBytes);
        ticket.grow(compressed + body.length);
      }
      const outcome = await deps.pipeline.export(signal, body, format, caller?.tenant);
      const response = signal.response(outcome.rejected, outcome.message, format);
      res.writeHead(200, {
        'Content-Type': contentTypes[format],
        'Content-Length': response.length,
      });
      res.end(response);
    } catch (err) {
      sendError(res, asExportError(err), format, req.complete);
    } finally {
      ticket?.release();
    }
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, asExportError(err), 'json');
      else res.destroy();
    });
  };
  const https = deps.auth?.httpsOptions;
  return https ? createHttpsServer(https, listener) : createServer(listener);
}
