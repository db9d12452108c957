import {
  Metadata,
  Server,
  ServerCredentials,
  ServerInterceptingCall,
  status as GrpcStatus,
  type ServerInterceptor,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import type { Admission, AdmissionTicket } from './admission';
import type { IngestAuth, IngestCaller } from './auth';
import { asExportError, OverloadedError } from './errors';
import { RetryInfo, RpcStatus } from './otlp';
import type { IngestPipeline } from './pipeline';
import type { Signal } from './signals/signal';

export interface GrpcReceiverDeps {
  pipeline: IngestPipeline;
  signals: readonly Signal[];
  /** Larger messages are refused by grpc-js with RESOURCE_EXHAUSTED. */
  maxRequestBytes: number;
  admission: Admission;
  auth?: IngestAuth;
}

export interface RunningGrpcReceiver {
  port: number;
  stop(): Promise<void>;
}

const raw = (b: Buffer) => b;

/** A retryable status carries google.rpc.RetryInfo in its details, as the OTLP spec asks. */
function toServiceError(err: unknown): Partial<ServiceError> {
  const e = asExportError(err);
  const metadata = new Metadata();
  if (e.retryAfterSeconds !== null) {
    const retryInfo = RetryInfo.encode({ retryDelay: { seconds: e.retryAfterSeconds } }).finish();
    const details = RpcStatus.encode({
      code: e.grpcCode,
      message: e.message,
      details: [{ type_url: 'type.googleapis.com/google.rpc.RetryInfo', value: retryInfo }],
    }).finish();
    metadata.set('grpc-status-details-bin', Buffer.from(details));
  }
  return { code: e.grpcCode, details: e.message, metadata };
}

/** The caller named by the call's bearer token; undefined when no tokens are configured. */
function authenticate(auth: IngestAuth | undefined, metadata: Metadata): IngestCaller | undefined {
  const authorization = metadata.get('authorization')[0];
  return auth?.authenticate(typeof authorization === 'string' ? authorization : undefined);
}

/**
 * Refuses a call on its metadata, before its message is read: first a caller without a valid
 * token (UNAUTHENTICATED), then while the receiver already holds as many request bytes as it
 * may (UNAVAILABLE with a retry hint: the exporter retries).
 */
function admissionInterceptor(
  auth: IngestAuth | undefined,
  hasRoom: () => boolean,
): ServerInterceptor {
  return (_method, call) =>
    new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, proceed) => {
            const caller = authenticate(auth, metadata);
            if (caller && !caller.ok) {
              call.sendStatus({
                code: GrpcStatus.UNAUTHENTICATED,
                details: caller.reason,
                metadata: new Metadata(),
              });
              return;
            }
            if (hasRoom()) return proceed(metadata);
            const refusal = toServiceError(new OverloadedError('receiver busy; retry later'));
            call.sendStatus({
              code: GrpcStatus.UNAVAILABLE,
              details: refusal.details ?? '',
              metadata: refusal.metadata ?? new Metadata(),
            });
          },
        }),
    });
}

/**
 * OTLP/gRPC: the TraceService, MetricsService and LogsService Export methods. grpc-js hands
 * over the raw (already decompressed) message; the pipeline decodes it with the generated code
 * and the call completes only after the data is committed.
 */
export async function startGrpcReceiver(
  deps: GrpcReceiverDeps,
  host: string,
  port: number,
): Promise<RunningGrpcReceiver> {
  const server = new Server({
    'grpc.max_receive_message_length': deps.maxRequestBytes,
    interceptors: [
      admissionInterceptor(deps.auth, () => deps.admission.hasRoom() && deps.pipeline.hasRoom()),
    ],
  });
  for (const signal of deps.signals) {
    const definition: ServiceDefinition = {
      Export: {
        path: signal.grpcPath,
        requestStream: false,
        responseStream: false,
        requestSerialize: raw,
        requestDeserialize: raw,
        responseSerialize: raw,
        responseDeserialize: raw,
        originalName: 'export',
      },
    };
    server.addService(definition, {
      Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
        const caller = authenticate(deps.auth, call.metadata);
        if (caller && !caller.ok) {
          return callback({ code: GrpcStatus.UNAUTHENTICATED, details: caller.reason });
        }
        let ticket: AdmissionTicket | undefined;
        Promise.resolve()
          .then(() => {
            ticket = deps.admission.admit(call.request.length);
            return deps.pipeline.export(signal, call.request, 'protobuf', caller?.tenant);
          })
          .then(
            (outcome) =>
              callback(null, signal.response(outcome.rejected, outcome.message, 'protobuf')),
            (err: unknown) => callback(toServiceError(err)),
          )
          .finally(() => ticket?.release());
      },
    });
  }
  const credentials = deps.auth?.grpcCredentials() ?? ServerCredentials.createInsecure();
  const boundPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${port}`, credentials, (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    port: boundPort,
    stop: () =>
      new Promise<void>((resolve) => {
        // In-flight exports finish (their data is committed or refused) before the server ends.
        const force = setTimeout(() => server.forceShutdown(), 30_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
