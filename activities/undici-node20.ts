import zlib from 'node:zlib';
import workerThreads from 'node:worker_threads';

/**
 * undici 8, which @kubernetes/client-node 2 and @slack/bolt (through @slack/socket-mode) load,
 * targets Node ≥ 22.19 and breaks on the Node 20 the engine supports: at load time it binds
 * zlib's zstd decoder and worker_threads.markAsUncloneable, and its fetch uses
 * Promise.withResolvers. The stand-ins below fill exactly those gaps (zstd is never negotiated
 * by our peers, so it throws if ever used). Import this before either library; delete it once
 * the engine requires Node 22.
 */
const zlibModule = zlib as unknown as Record<string, unknown> & {
  constants: Record<string, number>;
};
if (typeof zlibModule.createZstdDecompress !== 'function') {
  zlibModule.createZstdDecompress = () => {
    throw new Error('zstd content-encoding needs Node ≥ 22.15');
  };
  zlibModule.constants.ZSTD_d_windowLogMax ??= 100;
}

const workerModule = workerThreads as unknown as Record<string, unknown>;
if (typeof workerModule.markAsUncloneable !== 'function') {
  // Only affects structuredClone of undici's own objects, which we never clone.
  workerModule.markAsUncloneable = () => undefined;
}

const promiseStatics = Promise as unknown as { withResolvers?: unknown };
if (typeof promiseStatics.withResolvers !== 'function') {
  promiseStatics.withResolvers = function withResolvers<T>() {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
