import { describe, expect, it } from 'vitest';
import type { NezhaFault } from '../../bench/nezha/dataset';
import { selectFaults } from '../../bench/nezha/fault-selection';

const fault = (day: string, minute: number, service: string): NezhaFault => ({
  day,
  system: 'online-boutique',
  injectTime: new Date(`${day}T04:${String(minute).padStart(2, '0')}:00Z`),
  pod: `${service}-0`,
  service,
  type: 'cpu_contention',
});
const byDay: Record<string, NezhaFault[]> = {
  '2022-08-22': [
    fault('2022-08-22', 1, 'frontend'),
    fault('2022-08-22', 9, 'cartservice'),
    fault('2022-08-22', 17, 'checkoutservice'),
  ],
  '2023-01-30': [fault('2023-01-30', 3, 'ts-order-service')],
};
const faultsOf = (day: string) => byDay[day] ?? [];
const days = ['2023-01-30', '2022-08-22'];
const picked = (spec: string) =>
  [...selectFaults(spec, days, faultsOf)].map(([day, faults]) => [
    day,
    faults.map((f) => `${f.number} ${f.fault.service}`),
  ]);

describe('choosing faults to replay (LIVE_FAULTS)', () => {
  it('keeps the chosen faults of each day, numbered 1-based in injection order', () => {
    expect(picked('2022-08-22#3,2022-08-22#1')).toEqual([
      ['2022-08-22', ['1 frontend', '3 checkoutservice']],
    ]);
  });

  it('keeps the order of the replayed days and reads a fault named twice once', () => {
    expect(picked(' 2022-08-22#2 ,2023-01-30#1,2022-08-22#2')).toEqual([
      ['2023-01-30', ['1 ts-order-service']],
      ['2022-08-22', ['2 cartservice']],
    ]);
  });

  it('refuses a number the day does not have', () => {
    expect(() => picked('2022-08-22#4')).toThrow('2022-08-22 has faults 1–3');
    expect(() => picked('2022-08-22#0')).toThrow('2022-08-22 has faults 1–3');
  });

  it('refuses a day that is not replayed', () => {
    expect(() => picked('2023-01-29#1')).toThrow('day 2023-01-29 is not replayed');
  });

  it('refuses an entry that is not <day>#<number>', () => {
    expect(() => picked('2022-08-22:8')).toThrow('is not <day>#<number>');
    expect(() => picked('')).toThrow('is not <day>#<number>');
  });
});
