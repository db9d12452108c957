import { status as GrpcStatus } from '@grpc/grpc-js';

/**
 * Why an export failed, and what each transport answers (OTLP spec: retryable failures are
 * UNAVAILABLE / 503 with a retry hint; the rest tell the client not to retry).
 */
export abstract class ExportError extends Error {
  abstract readonly grpcCode: GrpcStatus;
  abstract readonly httpStatus: number;
  /** Seconds the client should wait before retrying; only for retryable failures. */
  readonly retryAfterSeconds: number | null = null;
}

/** The request cannot be decoded: never retry it. */
export class InvalidRequestError extends ExportError {
  readonly grpcCode = GrpcStatus.INVALID_ARGUMENT;
  readonly httpStatus = 400;
}

export class RequestTooLargeError extends ExportError {
  readonly grpcCode = GrpcStatus.RESOURCE_EXHAUSTED;
  readonly httpStatus = 413;
}

/** The queue is full: the client keeps the data and retries later (backpressure). */
export class OverloadedError extends ExportError {
  readonly grpcCode = GrpcStatus.UNAVAILABLE;
  readonly httpStatus = 503;
  override readonly retryAfterSeconds = 1;
}

/** PostgreSQL did not commit the data: nothing was acknowledged, so the client retries. */
export class StoreUnavailableError extends ExportError {
  readonly grpcCode = GrpcStatus.UNAVAILABLE;
  readonly httpStatus = 503;
  override readonly retryAfterSeconds = 2;
}

/** The receiver is shutting down. */
export class ShuttingDownError extends ExportError {
  readonly grpcCode = GrpcStatus.UNAVAILABLE;
  readonly httpStatus = 503;
  override readonly retryAfterSeconds = 1;
}

/** Anything unexpected is a bug on our side, reported as such (not retryable). */
export function asExportError(err: unknown): ExportError {
  if (err instanceof ExportError) return err;
  return new InternalError(err instanceof Error ? err.message : String(err));
}

export class InternalError extends ExportError {
  readonly grpcCode = GrpcStatus.INTERNAL;
  readonly httpStatus = 500;
}
