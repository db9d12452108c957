import type { NameGate } from '../new-names';
import type { MetricEntry } from '../../store/telemetry-dictionaries';
import { rollupBucket } from '../../store/telemetry-rollups';
import { encodeMetricPoint, type MetricPointRow } from '../../store/telemetry-rows';
import {
  MetricsRequest,
  MetricsResponse,
  type Exemplar,
  type ExponentialHistogramDataPoint,
  type HistogramDataPoint,
  type Metric,
  type NumberDataPoint,
  type SummaryDataPoint,
} from '../otlp';
import { nanosText, nanosToMicros } from '../time';
import { cleanText, idHex, int64Number, isSmallint, keyValuesJson, type LongLike } from '../values';
import {
  encodeDrafts,
  exportResponse,
  newNeeds,
  Rejections,
  type AcceptWindow,
  type ConvertedRequest,
  type Signal,
  walkScopes,
} from './signal';

/** metrics.type in the store. */
export const MetricType = { gauge: 1, sum: 2, histogram: 3, exponentialHistogram: 4, summary: 5 };
const NO_RECORDED_VALUE = 1;

interface PointDraft extends MetricPointRow {
  serviceName: string;
  sourceKey: string;
  metric: MetricEntry;
  /** Observations a histogram or summary point summarises (0 for gauge and sum points). */
  observations: number;
}

/** The stored fields of one data point, whatever its type. */
type PointValues = Pick<MetricPointRow, 'value' | 'intValue' | 'count' | 'detail'>;

type AnyPoint = {
  startTimeUnixNano?: number | LongLike | null;
  timeUnixNano?: number | LongLike | null;
  attributes?: NumberDataPoint['attributes'];
  flags?: number | null;
  exemplars?: Exemplar[] | null;
};

function numberValues(p: NumberDataPoint): PointValues {
  if (p.asInt != null)
    return {
      value: int64Number(p.asInt),
      intValue:
        typeof p.asInt === 'number'
          ? { high: Math.floor(p.asInt / 2 ** 32), low: p.asInt | 0 }
          : p.asInt,
      count: null,
      detail: null,
    };
  return { value: p.asDouble ?? null, intValue: null, count: null, detail: null };
}

const counts = (xs: (number | LongLike)[] | null | undefined) => (xs ?? []).map(int64Number);
const optional = (name: string, v: number | null | undefined) =>
  v != null && Number.isFinite(v) ? `,"${name}":${v}` : '';

function histogramValues(p: HistogramDataPoint): PointValues {
  return {
    value: p.sum ?? null,
    intValue: null,
    count: int64Number(p.count),
    detail:
      `{"bucketCounts":${JSON.stringify(counts(p.bucketCounts))},` +
      `"explicitBounds":${JSON.stringify((p.explicitBounds ?? []).map(finiteOrText))}` +
      `${optional('min', p.min)}${optional('max', p.max)}}`,
  };
}

function exponentialValues(p: ExponentialHistogramDataPoint): PointValues {
  const buckets = (b: ExponentialHistogramDataPoint['positive']) =>
    `{"offset":${b?.offset ?? 0},"bucketCounts":${JSON.stringify(counts(b?.bucketCounts))}}`;
  return {
    value: p.sum ?? null,
    intValue: null,
    count: int64Number(p.count),
    detail:
      `{"scale":${p.scale ?? 0},"zeroCount":${int64Number(p.zeroCount)},` +
      `"zeroThreshold":${p.zeroThreshold ?? 0},"positive":${buckets(p.positive)},` +
      `"negative":${buckets(p.negative)}${optional('min', p.min)}${optional('max', p.max)}}`,
  };
}

function summaryValues(p: SummaryDataPoint): PointValues {
  const quantiles = (p.quantileValues ?? []).map((q) => ({
    quantile: q.quantile ?? 0,
    value: finiteOrText(q.value ?? 0),
  }));
  return {
    value: p.sum ?? null,
    intValue: null,
    count: int64Number(p.count),
    detail: `{"quantileValues":${JSON.stringify(quantiles)}}`,
  };
}

/** JSON has no NaN or infinities; keep them as text rather than lose them. */
const finiteOrText = (v: number) => (Number.isFinite(v) ? v : String(v));

function exemplarsJson(exemplars: Exemplar[] | null | undefined): string | null {
  if (!exemplars || exemplars.length === 0) return null;
  return `[${exemplars
    .map((e) => {
      const value = e.asInt != null ? int64Number(e.asInt) : finiteOrText(e.asDouble ?? 0);
      return (
        `{"timeUnixNano":"${nanosText(e.timeUnixNano)}","value":${JSON.stringify(value)}` +
        (e.traceId?.length ? `,"traceId":"${idHex(e.traceId)}"` : '') +
        (e.spanId?.length ? `,"spanId":"${idHex(e.spanId)}"` : '') +
        `,"filteredAttributes":${keyValuesJson(e.filteredAttributes) ?? '{}'}}`
      );
    })
    .join(',')}]`;
}

/** The aggregation temporality for the smallint column (an unknown huge value is dropped). */
const temporality = (t: number | null | undefined) => (isSmallint(t ?? 0) ? (t ?? 0) : null);

/** The metric's dictionary entry and its points with their type-specific values. */
function describeMetric(
  m: Metric,
): { entry: MetricEntry; points: [AnyPoint, PointValues][] } | null {
  const base = {
    name: cleanText(m.name ?? ''),
    unit: cleanText(m.unit ?? ''),
    description: cleanText(m.description ?? ''),
  };
  if (m.gauge)
    return {
      entry: { ...base, type: MetricType.gauge, temporality: null, monotonic: null },
      points: (m.gauge.dataPoints ?? []).map((p) => [p, numberValues(p)]),
    };
  if (m.sum)
    return {
      entry: {
        ...base,
        type: MetricType.sum,
        temporality: temporality(m.sum.aggregationTemporality),
        monotonic: m.sum.isMonotonic ?? false,
      },
      points: (m.sum.dataPoints ?? []).map((p) => [p, numberValues(p)]),
    };
  if (m.histogram)
    return {
      entry: {
        ...base,
        type: MetricType.histogram,
        temporality: temporality(m.histogram.aggregationTemporality),
        monotonic: null,
      },
      points: (m.histogram.dataPoints ?? []).map((p) => [p, histogramValues(p)]),
    };
  if (m.exponentialHistogram)
    return {
      entry: {
        ...base,
        type: MetricType.exponentialHistogram,
        temporality: temporality(m.exponentialHistogram.aggregationTemporality),
        monotonic: null,
      },
      points: (m.exponentialHistogram.dataPoints ?? []).map((p) => [p, exponentialValues(p)]),
    };
  if (m.summary)
    return {
      entry: { ...base, type: MetricType.summary, temporality: null, monotonic: null },
      points: (m.summary.dataPoints ?? []).map((p) => [p, summaryValues(p)]),
    };
  return null;
}

function convert(request: MetricsRequest, window: AcceptWindow, names: NameGate): ConvertedRequest {
  const drafts: PointDraft[] = [];
  const needs = newNeeds();
  const rejections = new Rejections('data points');
  walkScopes(
    request.resourceMetrics,
    (rm) => rm.scopeMetrics,
    drafts,
    needs,
    (sm, resource, sourceKey) => {
      for (const metric of sm.metrics ?? []) {
        const described = describeMetric(metric);
        if (!described) continue; // a metric without data has no points to store
        if (!described.entry.name) {
          for (let i = 0; i < described.points.length; i++) rejections.add('metric without a name');
          continue;
        }
        let used = false;
        for (const [p, values] of described.points) {
          const timeUs = nanosToMicros(p.timeUnixNano);
          if (timeUs < window.minUs || timeUs > window.maxUs) {
            rejections.add('time outside the retention window');
            continue;
          }
          if (!names.allows(resource.serviceName)) {
            rejections.add(names.refusal);
            continue;
          }
          drafts.push({
            timeUs,
            startTimeUs: nanosToMicros(p.startTimeUnixNano) || null,
            metricId: 0,
            serviceId: 0,
            sourceId: 0,
            ...values,
            flags: p.flags ? p.flags | 0 : null,
            attributes: keyValuesJson(p.attributes),
            exemplars: exemplarsJson(p.exemplars),
            serviceName: resource.serviceName,
            sourceKey,
            metric: described.entry,
            observations: values.count ?? 0,
          });
          used = true;
        }
        if (used) needs.metrics.push(described.entry);
      }
    },
  );
  return {
    accepted: drafts.length,
    rejections,
    needs,
    encode: (ids, rollups) =>
      encodeDrafts('metricPoints', drafts, 300, (encoder, d) => {
        d.serviceId = ids.serviceId(d.serviceName);
        d.sourceId = ids.sourceId(d.sourceKey);
        d.metricId = ids.metricId(d.metric);
        encodeMetricPoint(encoder, d);
        const recorded = ((d.flags ?? 0) & NO_RECORDED_VALUE) === 0;
        rollups.addMetric(
          rollupBucket(d.timeUs),
          d.metricId,
          d.serviceId,
          recorded ? d.value : null,
          recorded ? d.observations : 0,
        );
        return d.timeUs;
      }),
  };
}

export function createMetricsSignal(): Signal<MetricsRequest> {
  return {
    name: 'metrics',
    httpPath: '/v1/metrics',
    grpcPath: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
    decode: (body) => [MetricsRequest.decode(body)],
    fromJson: (json) => [MetricsRequest.fromObject(json)],
    convert,
    response: (rejected, message, format) =>
      exportResponse(
        (m) => MetricsResponse.encode(m).finish(),
        rejected ? { rejectedDataPoints: rejected, errorMessage: message } : null,
        format,
      ),
  };
}
