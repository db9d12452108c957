/**
 * Nezha rows → OTLP/HTTP JSON export requests, as the data's README prescribes: resource
 * attributes `service.name` (the pod without its suffixes) and `k8s.pod.name`; span kind inferred
 * from pod boundaries and no status; a log record as a Collector's filelog receiver with the
 * container parser would send it; non-finite metric values dropped. Every time is moved by
 * `shiftNs`. Pure: sending is ./send.ts.
 */
import { createHash } from 'node:crypto';
import { serviceOfPod, type LogRow, type MetricRow, type TraceRow } from './dataset';

/** OTLP SpanKind values. */
export const spanKind = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;

type KeyValue = { key: string; value: { stringValue: string } };

function resource(pod: string): { attributes: KeyValue[] } {
  return {
    attributes: [
      { key: 'service.name', value: { stringValue: serviceOfPod(pod) } },
      { key: 'k8s.pod.name', value: { stringValue: pod } },
    ],
  };
}

const scope = { name: 'nezha-replay', version: '1' };

function byPod<T extends { pod: string }>(rows: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groups.get(row.pod);
    if (group) group.push(row);
    else groups.set(row.pod, [row]);
  }
  return groups;
}

/**
 * Trace and span ids renamed for one replayed copy of a minute, so copies do not collide: the
 * same id always maps to the same new id of the same length (parents stay linked).
 */
export function renameId(id: string, copy: string): string {
  const hex = createHash('sha256').update(`${copy}:${id}`).digest('hex');
  return hex.slice(0, id.length);
}

export type IdMap = (id: string) => string;
const keepId: IdMap = (id) => id;

/**
 * SERVER: a root span or one whose parent ran in another pod (a parent outside the rows, e.g. in
 * another minute's file, counts as another pod); CLIENT: a span with a child in another pod;
 * INTERNAL otherwise.
 */
export function inferSpanKinds(rows: readonly TraceRow[]): Map<string, number> {
  const podOf = new Map(rows.map((r) => [r.spanId, r.pod]));
  const callsOut = new Set<string>();
  for (const r of rows) {
    const parentPod = r.parentId ? podOf.get(r.parentId) : undefined;
    if (r.parentId && parentPod !== undefined && parentPod !== r.pod) callsOut.add(r.parentId);
  }
  const kinds = new Map<string, number>();
  for (const r of rows) {
    const parentPod = r.parentId ? podOf.get(r.parentId) : undefined;
    const server = r.parentId === null || parentPod !== r.pod;
    kinds.set(
      r.spanId,
      server ? spanKind.SERVER : callsOut.has(r.spanId) ? spanKind.CLIENT : spanKind.INTERNAL,
    );
  }
  return kinds;
}

/** Rows in chunks of at most `size`, so each request stays well under the receiver's limit. */
export function chunk<T>(rows: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < rows.length; i += size) chunks.push(rows.slice(i, i + size));
  return chunks;
}

const nanos = (ns: bigint) => ns.toString();

/** One ExportTraceServiceRequest (OTLP/JSON) for the rows; kinds come from `kinds`. */
export function tracesRequest(
  rows: readonly TraceRow[],
  kinds: ReadonlyMap<string, number>,
  shiftNs: bigint,
  ids: IdMap = keepId,
): object {
  return {
    resourceSpans: [...byPod(rows)].map(([pod, spans]) => ({
      resource: resource(pod),
      scopeSpans: [
        {
          scope,
          spans: spans.map((s) => ({
            traceId: ids(s.traceId),
            spanId: ids(s.spanId),
            ...(s.parentId && { parentSpanId: ids(s.parentId) }),
            name: s.operation,
            kind: kinds.get(s.spanId) ?? spanKind.INTERNAL,
            startTimeUnixNano: nanos(s.startNs + shiftNs),
            endTimeUnixNano: nanos(s.endNs + shiftNs),
          })),
        },
      ],
    })),
  };
}

/** OTel severity numbers of the level names applications write in a structured field. */
const severityNumbers: Record<string, number> = {
  TRACE: 1,
  DEBUG: 5,
  INFO: 9,
  NOTICE: 10,
  WARN: 13,
  WARNING: 13,
  ERROR: 17,
  CRITICAL: 21,
  FATAL: 21,
};

export interface ParsedLogLine {
  body: string;
  /** Only when the application line is JSON with a `severity` (or `level`) field. */
  severityText?: string;
  severityNumber?: number;
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * What the container parser yields for a runtime line: the `log` field (without the newline the
 * runtime keeps); for a JSON application line its `message` and, where present, its severity. A
 * plain-text line keeps no severity, even when a level is written in its text.
 */
export function parseLogLine(runtimeLine: string): ParsedLogLine {
  const runtime = parseJson(runtimeLine);
  const line = (typeof runtime?.log === 'string' ? runtime.log : runtimeLine).replace(/\r?\n$/, '');
  const app = line.trimStart().startsWith('{') ? parseJson(line) : null;
  if (!app) return { body: line };
  const body = typeof app.message === 'string' ? app.message : line;
  const level = app.severity ?? app.level;
  if (typeof level !== 'string' || !level) return { body };
  return {
    body,
    severityText: level,
    ...(severityNumbers[level.toUpperCase()] !== undefined && {
      severityNumber: severityNumbers[level.toUpperCase()],
    }),
  };
}

/** One ExportLogsServiceRequest (OTLP/JSON) for the rows. */
export function logsRequest(rows: readonly LogRow[], shiftNs: bigint, ids: IdMap = keepId): object {
  return {
    resourceLogs: [...byPod(rows)].map(([pod, lines]) => ({
      resource: resource(pod),
      scopeLogs: [
        {
          scope,
          logRecords: lines.map((l) => {
            const parsed = parseLogLine(l.runtimeLine);
            return {
              timeUnixNano: nanos(l.timeNs + shiftNs),
              observedTimeUnixNano: nanos(l.timeNs + shiftNs),
              ...(parsed.severityNumber !== undefined && {
                severityNumber: parsed.severityNumber,
              }),
              ...(parsed.severityText !== undefined && { severityText: parsed.severityText }),
              body: { stringValue: parsed.body },
              ...(l.traceId && { traceId: ids(l.traceId) }),
              ...(l.spanId && { spanId: ids(l.spanId) }),
            };
          }),
        },
      ],
    })),
  };
}

/** `CpuUsage(m)` → name `CpuUsage(m)`, unit `m`: the header stays the name, its bracket the unit. */
function unitOf(column: string): string {
  return /\(([^)]*)\)$/.exec(column)?.[1] ?? '';
}

/** One ExportMetricsServiceRequest (OTLP/JSON): a gauge per column; non-finite values dropped. */
export function metricsRequest(rows: readonly MetricRow[], shiftNs: bigint): object {
  const shiftMs = shiftNs / 1_000_000n;
  return {
    resourceMetrics: [...byPod(rows)].map(([pod, points]) => {
      const byColumn = new Map<string, { timeUnixNano: string; asDouble: number }[]>();
      for (const p of points) {
        const time = ((BigInt(Math.round(p.timeMs)) + shiftMs) * 1_000_000n).toString();
        for (const [column, value] of Object.entries(p.values)) {
          if (!Number.isFinite(value)) continue;
          const list = byColumn.get(column) ?? [];
          list.push({ timeUnixNano: time, asDouble: value });
          byColumn.set(column, list);
        }
      }
      return {
        resource: resource(pod),
        scopeMetrics: [
          {
            scope,
            metrics: [...byColumn].map(([name, dataPoints]) => ({
              name,
              unit: unitOf(name),
              gauge: { dataPoints },
            })),
          },
        ],
      };
    }),
  };
}
