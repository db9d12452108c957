import { z } from 'zod';

/** One series of a range query: its labels and [unix seconds, value] samples. */
export interface RangeSeries {
  labels: Record<string, string>;
  samples: { atMs: number; value: number }[];
}

const rangeResponse = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.literal('matrix'),
    result: z.array(
      z.object({
        metric: z.record(z.string(), z.string()),
        values: z.array(z.tuple([z.number(), z.string()])),
      }),
    ),
  }),
});

export class PrometheusQueryError extends Error {}

/**
 * Prometheus' HTTP API, the part the engine reads: range queries (`/api/v1/query_range`). A
 * query Prometheus refuses (bad PromQL: 400, too many points: 422) fails with its own message.
 */
export function prometheusClient(baseUrl: string, timeoutMs = 15_000) {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    async queryRange(
      query: string,
      from: Date,
      to: Date,
      stepSeconds: number,
    ): Promise<RangeSeries[]> {
      const body = new URLSearchParams({
        query,
        start: (from.getTime() / 1000).toString(),
        end: (to.getTime() / 1000).toString(),
        step: `${stepSeconds}s`,
      });
      const res = await fetch(`${base}/api/v1/query_range`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const json = (await res.json().catch(() => undefined)) as
        { status?: string; error?: string } | undefined;
      if (!res.ok || json?.status !== 'success')
        throw new PrometheusQueryError(
          `Prometheus refused \`${query}\` (${res.status}): ${json?.error ?? 'no JSON answer'}`,
        );
      return rangeResponse.parse(json).data.result.map((r) => ({
        labels: r.metric,
        samples: r.values
          .map(([t, v]) => ({ atMs: Math.round(t * 1000), value: Number(v) }))
          .filter((s) => Number.isFinite(s.value)),
      }));
    },
  };
}

export type PrometheusClient = ReturnType<typeof prometheusClient>;
