import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFaults, serviceOfPod } from '../../bench/nezha/dataset';
import { parseLogLine, spanKind } from '../../bench/nezha/otlp';
import { buildFaultReplay } from '../../bench/nezha/replay';

// A tiny slice in the data's own layout: one fault of two services, its fault-free minute.
const day = '2023-01-30';
const gateway = 'ts-gateway-service-6f6cfc45b-d9pnv';
const order = 'ts-order-service-5b67c48447-fj8b7';
const traceHeader =
  'TraceID,SpanID,ParentID,PodName,OperationName,StartTimeUnixNano,EndTimeUnixNano,Duration';
const logHeader = 'Timestamp,TimeUnixNano,Node,PodName,Container,TraceID,SpanID,Log';
const metricHeader = 'Time,TimeStamp,PodName,CpuUsage(m),PodServerLatencyP90(s)';
const ns = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;

function spans(at: string): string {
  const t = ns(at);
  return [
    traceHeader,
    `aa01,0001,root,${gateway},/api,${t},${t + 9_000_000n},9000`,
    `aa01,0002,0001,${gateway},HTTP GET,${t + 1_000_000n},${t + 8_000_000n},7000`,
    `aa01,0003,0002,${order},/order,${t + 2_000_000n},${t + 7_000_000n},5000`,
    `aa01,0004,0003,${order},query,${t + 3_000_000n},${t + 4_000_000n},1000`,
  ].join('\n');
}

function runtimeLine(log: string): string {
  return `"${JSON.stringify({ log: log + '\n', stream: 'stdout' }).replace(/"/g, '""')}"`;
}

let root: string;

/** A scratch Nezha root whose day lists one fault (an `exception` at order, 11:51:46). */
function faultDayRoot(prefix: string): { dir: string; put: (path: string, text: string) => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const put = (path: string, text: string) => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), gzipSync(text));
  };
  mkdirSync(join(dir, 'rca_data', day), { recursive: true });
  writeFileSync(
    join(dir, 'rca_data', day, `${day}-fault_list.json`),
    JSON.stringify({
      '11': [
        {
          inject_time: '2023-01-30 11:51:46',
          inject_timestamp: '1675050706',
          inject_pod: order,
          inject_type: 'exception',
        },
      ],
    }),
  );
  return { dir, put };
}

beforeAll(() => {
  const slice = faultDayRoot('nezha-slice-');
  root = slice.dir;
  const put = slice.put;
  put(`construct_data/${day}/trace/11_39_trace.csv.gz`, spans('2023-01-30T11:39:10Z'));
  put(
    `construct_data/${day}/log/11_39_log.csv.gz`,
    [
      logHeader,
      `x,${ns('2023-01-30T11:39:10.003Z')},n,${order},server,aa01,0003,${runtimeLine('19:39:10.003 INFO  o.OrderController#1 [getOrder][ok]')}`,
    ].join('\n'),
  );
  put(`rca_data/${day}/trace/11_51_trace.csv.gz`, spans('2023-01-30T11:51:50Z'));
  put(`rca_data/${day}/trace/11_52_trace.csv.gz`, spans('2023-01-30T11:52:10Z'));
  put(
    `rca_data/${day}/log/11_51_log.csv.gz`,
    [
      logHeader,
      `x,${ns('2023-01-30T11:51:50.003Z')},n,${order},server,aa01,0003,${runtimeLine('19:51:50.003 ERROR o.OrderController#1 java.lang.RuntimeException: boom')}`,
      // Some rows hold an overflowed TimeUnixNano; their Timestamp column is right.
      `2023-01-30T11:51:51.5,-6795364578871345152,n,${order},server,aa01,0003,${runtimeLine('19:51:51.500 ERROR o.OrderController#1 again')}`,
    ].join('\n'),
  );
  put(
    `rca_data/${day}/metric/${order}_metric.csv.gz`,
    [
      metricHeader,
      `t,1675079400,${order},5.5,0.02`, // 11:50:00, inside the window
      `t,1675079460,${order},NaN,0.03`, // 11:51:00: CPU non-finite, dropped
      `t,1675070000,${order},1,1`, // hours earlier: outside the window
    ].join('\n'),
  );
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
}
type Attributes = { key: string; value: { stringValue: string } }[];
interface TracesBody {
  resourceSpans: { resource: { attributes: Attributes }; scopeSpans: { spans: OtlpSpan[] }[] }[];
}
const msOf = (nanos: string) => Number(BigInt(nanos) / 1_000_000n);
const startOf = (s: { startTimeUnixNano: string }) => msOf(s.startTimeUnixNano);
interface LogsBody {
  resourceLogs: { scopeLogs: { logRecords: { timeUnixNano: string }[] }[] }[];
}
interface MetricsBody {
  resourceMetrics: {
    scopeMetrics: { metrics: { name: string; unit: string; gauge: { dataPoints: unknown[] } }[] }[];
  }[];
}

describe('Nezha replay', () => {
  it('reads the ground truth: UTC inject time and the service of the pod', () => {
    const [fault] = listFaults(day, root);
    expect(fault).toMatchObject({
      system: 'train-ticket',
      service: 'ts-order-service',
      type: 'exception',
    });
    expect(fault!.injectTime.toISOString()).toBe('2023-01-30T11:51:46.000Z');
    expect(serviceOfPod('frontend-579b9bff58-t2dbm')).toBe('frontend');
    expect(serviceOfPod('redis-cart-0')).toBe('redis-cart-0');
  });

  it('builds the protocol: renamed baseline copies, kinds from pod boundaries, shifted times', () => {
    const [fault] = listFaults(day, root);
    const injectAt = new Date('2026-12-01T10:00:00Z');
    const replay = buildFaultReplay(fault!, { injectAt, root });
    expect(replay.window.end.getTime() - replay.window.start.getTime()).toBe(180_000);
    expect(replay.absent).toEqual({ trace: ['11_53'], log: ['11_52', '11_53'] });
    expect(replay.counts).toEqual({ spans: 3 * 4 + 2 * 4, logs: 3 + 2, metricRows: 2 });

    const traceBodies = replay.requests.filter((r) => r.signal === 'traces').map((r) => r.body);
    const allSpans = traceBodies.flatMap((b) =>
      (b as TracesBody).resourceSpans.flatMap((rs) =>
        rs.scopeSpans.flatMap((ss) =>
          ss.spans.map((s) => ({ ...s, resource: rs.resource.attributes })),
        ),
      ),
    );
    // The three baseline copies come first, each with its own ids, parents still linked.
    const copies = [0, 1, 2].map((i) => allSpans.slice(i * 4, i * 4 + 4));
    expect(new Set(copies.map((c) => c[0]!.traceId)).size).toBe(3);
    for (const c of copies) {
      expect(c[1]!.parentSpanId).toBe(c[0]!.spanId);
      expect(c[0]!.traceId).toHaveLength(4);
    }
    // Copy k's traffic begins k minutes before the injection (the recording begins after it).
    expect(startOf(copies[0]![0]!)).toBe(injectAt.getTime() - 180_000);
    expect(startOf(copies[2]![0]!)).toBe(injectAt.getTime() - 60_000);
    // The fault's minutes keep their ids and move by injectAt − inject_time.
    const faultSpan = allSpans[12]!;
    expect(faultSpan.traceId).toBe('aa01');
    expect(startOf(faultSpan)).toBe(injectAt.getTime() + 4_000);
    // SERVER at the root and across pods, CLIENT with a child in another pod, else INTERNAL.
    expect(allSpans.slice(12, 16).map((s) => s.kind)).toEqual([
      spanKind.SERVER,
      spanKind.CLIENT,
      spanKind.SERVER,
      spanKind.INTERNAL,
    ]);
    expect(allSpans[14]!.resource).toEqual([
      { key: 'service.name', value: { stringValue: 'ts-order-service' } },
      { key: 'k8s.pod.name', value: { stringValue: order } },
    ]);
    expect(allSpans.every((s) => !('status' in s))).toBe(true);

    const logTimes = replay.requests
      .filter((r) => r.signal === 'logs')
      .flatMap((r) =>
        (r.body as LogsBody).resourceLogs.flatMap((rl) =>
          rl.scopeLogs.flatMap((sl) => sl.logRecords.map((l) => msOf(l.timeUnixNano))),
        ),
      );
    expect(logTimes.slice(3)).toEqual([injectAt.getTime() + 4_003, injectAt.getTime() + 5_500]);

    const metrics = replay.requests.find((r) => r.signal === 'metrics')!.body as MetricsBody;
    const series = metrics.resourceMetrics[0]!.scopeMetrics[0]!.metrics;
    expect(series.map((m) => [m.name, m.unit, m.gauge.dataPoints.length])).toEqual([
      ['CpuUsage(m)', 'm', 1],
      ['PodServerLatencyP90(s)', 's', 2],
    ]);
  });

  it('ends the baseline copies where the recording begins, never under it', () => {
    // A recording whose file begins 51 s before the injection, as 2023-01-29's do.
    const { dir: early, put } = faultDayRoot('nezha-early-');
    try {
      put(`construct_data/${day}/trace/11_39_trace.csv.gz`, spans('2023-01-30T11:39:10Z'));
      put(`rca_data/${day}/trace/11_51_trace.csv.gz`, spans('2023-01-30T11:50:55Z'));
      const [fault] = listFaults(day, early);
      const injectAt = new Date('2026-12-01T10:00:00Z');
      const replay = buildFaultReplay(fault!, { injectAt, root: early, metrics: new Map() });
      const starts = replay.requests
        .filter((r) => r.signal === 'traces')
        .flatMap((r) =>
          (r.body as TracesBody).resourceSpans.flatMap((rs) =>
            rs.scopeSpans.flatMap((ss) => ss.spans.map((sp) => [sp.traceId, startOf(sp)] as const)),
          ),
        );
      const recordingStart = injectAt.getTime() - 51_000;
      const copyRoots = starts.filter(([id]) => id !== 'aa01').filter((_, i) => i % 4 === 0);
      expect(copyRoots.map(([, at]) => at)).toEqual(
        [180_000, 120_000, 60_000].map((m) => recordingStart - m),
      );
      expect(starts.filter(([id]) => id === 'aa01')[0]![1]).toBe(recordingStart);
    } finally {
      rmSync(early, { recursive: true, force: true });
    }
  });

  it('reads log lines as a filelog container parser sends them', () => {
    const plain = parseLogLine(
      JSON.stringify({ log: '17:25:35.011 ERROR o.a.Foo#1 boom\n', stream: 'stdout' }),
    );
    expect(plain).toEqual({ body: '17:25:35.011 ERROR o.a.Foo#1 boom' });
    const structured = parseLogLine(
      JSON.stringify({
        log: JSON.stringify({ severity: 'warning', message: 'slow cart', timestamp: 't' }) + '\n',
      }),
    );
    expect(structured).toEqual({ body: 'slow cart', severityText: 'warning', severityNumber: 13 });
  });
});
