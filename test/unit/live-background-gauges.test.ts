import { describe, expect, it } from 'vitest';
import { gaugesOfMinute } from '../../bench/nezha/background-gauges';
import type { MetricRow } from '../../bench/nezha/dataset';

const minute = 60_000;
// The recorded day: a pod's gauge rows, one a minute at :53, from 11:39 on.
const day = Date.parse('2023-01-30T11:39:00Z');
const at = (m: number) => day + m * minute;
const row = (pod: string, m: number, latency: number): MetricRow => ({
  timeMs: at(m) + 53_000,
  pod,
  values: { 'PodClientLatencyP99(s)': latency },
});

// The pod's client latency sat near 20 s for its first minutes and near 0.2 s later on.
const basic = [
  ...[0, 1, 2, 3].map((m) => row('basic', m, 20)),
  ...[4, 5, 6, 7, 8, 9, 10, 11].map((m) => row('basic', m, 0.2)),
];
const pods = new Map([['basic', basic]]);
const firstRecorded = at(12);
const latency = (rows: MetricRow[]) => rows.map((r) => r.values['PodClientLatencyP99(s)']);

describe('the pod gauges of a bench:live background minute', () => {
  it('are the rows the pod reported in the minute it stands for, just before a recording', () => {
    expect(gaugesOfMinute(pods, at(11), firstRecorded)).toEqual([basic[11]]);
    expect(latency(gaugesOfMinute(pods, at(11), firstRecorded))).toEqual([0.2]);
  });

  it('show the latest earlier row for a minute the pod has no row of', () => {
    const gappy = new Map([['basic', basic.filter((r) => r !== basic[9])]]);
    expect(gaugesOfMinute(gappy, at(9), firstRecorded)).toEqual([basic[8]]);
  });

  it('loop the rows before the first recording, ending on the one just before it', () => {
    // Minutes before the pod's rows begin: 12 rows loop, so 13 minutes before is the last row.
    expect(gaugesOfMinute(pods, at(-1), firstRecorded)).toEqual([basic[11]]);
    expect(gaugesOfMinute(pods, at(-12), firstRecorded)).toEqual([basic[0]]);
  });

  it('leave out a pod with no rows before the minute', () => {
    const late = new Map([['late', [row('late', 20, 1)]]]);
    expect(gaugesOfMinute(late, at(11), firstRecorded)).toEqual([]);
  });
});
