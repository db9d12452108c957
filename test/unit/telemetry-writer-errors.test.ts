import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Pool } from '../../store/db';
import { TelemetryWriter } from '../../store/telemetry-writer';
import { Rollups } from '../../store/telemetry-rollups';

/**
 * A checked-out pg client whose server goes away: like pg's, it emits 'error' from its socket's
 * handler (outside any promise) and fails the query in flight.
 */
class LostClient extends EventEmitter {
  released: unknown = 'not released';
  query(): Promise<never> {
    return new Promise((_, reject) =>
      setImmediate(() => {
        const err = new Error('Connection terminated unexpectedly');
        this.emit('error', err);
        reject(err);
      }),
    );
  }
  release(err?: Error) {
    this.released = err;
  }
}

describe('TelemetryWriter when PostgreSQL goes away mid-write', () => {
  it('fails the write (not acknowledged) and discards the client, without ending the process', async () => {
    const client = new LostClient();
    const pool = { connect: async () => client } as unknown as Pool;
    const writer = new TelemetryWriter(pool);
    const batch = {
      spans: [],
      logs: [],
      metricPoints: [],
      rollups: new Rollups(),
      minUs: Infinity,
      maxUs: -Infinity,
    };
    // Before: the 'error' event had no listener and was thrown as an uncaught exception,
    // ending the ingest process whenever PostgreSQL was killed during a flush.
    await expect(writer.write(batch)).rejects.toThrow('Connection terminated unexpectedly');
    expect(client.released).toBeInstanceOf(Error);
    expect(client.listenerCount('error')).toBe(0);
  });
});
