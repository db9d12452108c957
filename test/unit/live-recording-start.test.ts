import { describe, expect, it } from 'vitest';
import type { TraceRow } from '../../bench/nezha/dataset';
import { recordingStartMs } from '../../bench/nezha/recording-start';

const minute = Date.parse('2023-01-29T09:03:00Z');
const span = (offsetMs: number): TraceRow => {
  const start = BigInt(minute + offsetMs) * 1_000_000n;
  return {
    traceId: 't',
    spanId: String(offsetMs),
    parentId: null,
    pod: 'ts-basic-service-5dc8d4f9fd-46997',
    operation: '/api',
    startNs: start,
    endNs: start + 5_000_000n,
  };
};
// One span every half-second over a stretch of the file.
const spread = (fromS: number, toS: number) =>
  Array.from({ length: (toS - fromS) * 2 }, (_, i) => span(fromS * 1000 + i * 500));

describe('where a recorded minute of traffic begins', () => {
  it('is before the minute its file is named for when the file was cut earlier', () => {
    expect(recordingStartMs(spread(-51, 9), minute)).toBe(minute - 51_000);
  });

  it('is the named minute, or just before it, when the file was cut on it', () => {
    expect(recordingStartMs(spread(0, 60), minute)).toBe(minute);
    expect(recordingStartMs(spread(-7, 53), minute)).toBe(minute - 7_000);
  });

  it('leaves out the few spans of traces that began long before the file', () => {
    const stragglers = [span(-400_000)];
    expect(recordingStartMs([...stragglers, ...spread(-51, 9)], minute)).toBe(minute - 51_000);
  });

  it('is the named minute for a file with no spans', () => {
    expect(recordingStartMs([], minute)).toBe(minute);
  });
});
