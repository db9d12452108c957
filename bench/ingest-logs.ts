/**
 * bench:ingest-logs — what storing log lines costs, with and without the log-line rollup
 * (`logs_roll_up_lines`, the statement trigger that groups each insert's lines per minute for the
 * investigation's history). Real lines (the Nezha Train Ticket log minutes of one day, as the
 * replay sends them) go through the real OTLP/HTTP receiver into a scratch PostgreSQL, in rounds
 * that alternate the trigger on and off in the same run, each round's lines shifted to minutes
 * of their own. Per round: lines stored per second of wall time (first request sent → last line
 * stored) and PostgreSQL's CPU per line (the postmaster's processes, from `/proc`).
 *
 *   npm run bench:ingest-logs -- [--day 2023-01-29] [--minutes 20] [--rounds 3]
 */
import { readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { startReceivers } from '../ingest/receivers';
import type { Pool } from '../store/db';
import { loadConfig } from '../worker/config';
import { freePort } from '../worker/stack/ports';
import { postgresCpuSeconds } from './ingest/process-stats';
import { defaultNezhaRoot, readLogMinute, type LogRow } from './nezha/dataset';
import { chunk, logsRequest } from './nezha/otlp';
import { sendRequest } from './nezha/send';
import { withScratchDatabase } from './scratch-database';
import { median } from '../activities/rca/stats';

const linesPerRequest = 1_000;
const trigger = 'logs_roll_up_lines';

function parseArgs(argv: readonly string[]) {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const minutes = Number(value('--minutes') ?? 20);
  const rounds = Number(value('--rounds') ?? 3);
  for (const [flag, n] of [
    ['--minutes', minutes],
    ['--rounds', rounds],
  ] as const)
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} takes a whole number ≥ 1`);
  return { day: value('--day') ?? '2023-01-29', minutes, rounds };
}

/** The day's first `minutes` log minutes, in time order. */
function logLines(day: string, minutes: number): LogRow[] {
  const dir = join(defaultNezhaRoot, 'rca_data', day, 'log');
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('_log.csv.gz'))
    .sort()
    .slice(0, minutes)
    .map((f) => f.replace('_log.csv.gz', ''));
  return names.flatMap((m) => readLogMinute(day, m) ?? []);
}

async function storedLines(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM logs');
  return Number(rows[0]?.n ?? 0);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const lines = logLines(args.day, args.minutes);
  if (!lines.length) {
    console.log(
      `ingest-logs skipped: no Nezha log minutes of ${args.day} under ${defaultNezhaRoot}`,
    );
    return;
  }
  const first = lines.reduce((t, l) => (l.timeNs < t ? l.timeNs : t), lines[0]!.timeNs);
  const last = lines.reduce((t, l) => (l.timeNs > t ? l.timeNs : t), first);
  const spanMs = Number((last - first) / 1_000_000n) + 60_000;
  // A first round, not counted, warms the receiver, the caches and the first partitions up.
  const rounds = args.rounds * 2 + 1;
  // Each round's lines get minutes of their own, ending within the receiver's accepted past.
  const start = Math.floor((Date.now() - 60 * 60_000 - rounds * spanMs) / 60_000) * 60_000;
  const partitions = { from: new Date(start - 3_600_000), to: new Date(Date.now() + 3_600_000) };
  await withScratchDatabase('ingest-logs', partitions, async (pool, { dataDir }) => {
    const config = loadConfig({
      AIOPS_OTLP_GRPC_PORT: String(await freePort()),
      AIOPS_OTLP_HTTP_PORT: String(await freePort()),
    });
    const receivers = await startReceivers({ config, pool });
    const endpoint = `http://127.0.0.1:${receivers.httpPort}`;
    const results: Record<'on' | 'off', { perSecond: number; pgUsPerLine: number }[]> = {
      on: [],
      off: [],
    };
    const loads: number[] = [];
    try {
      for (let r = 0; r < rounds; r++) {
        const mode = r % 2 === 0 ? 'on' : 'off';
        const counted = r > 0;
        await pool.query(
          `ALTER TABLE logs ${mode === 'on' ? 'ENABLE' : 'DISABLE'} TRIGGER ${trigger}`,
        );
        const shiftNs = BigInt(start + r * spanMs) * 1_000_000n - first;
        const requests = chunk(lines, linesPerRequest).map((rows) => ({
          signal: 'logs' as const,
          body: logsRequest(rows, shiftNs),
        }));
        const before = await storedLines(pool);
        loads.push(loadavg()[0] ?? NaN);
        const cpu0 = await postgresCpuSeconds(dataDir);
        const t0 = performance.now();
        for (const request of requests) await sendRequest(endpoint, request);
        while ((await storedLines(pool)) < before + lines.length)
          await new Promise((resolve) => setTimeout(resolve, 20));
        const seconds = (performance.now() - t0) / 1000;
        const pgSeconds = (await postgresCpuSeconds(dataDir)) - cpu0;
        const result = {
          perSecond: lines.length / seconds,
          pgUsPerLine: (pgSeconds / lines.length) * 1e6,
        };
        if (counted) results[mode].push(result);
        console.log(
          `${counted ? `round ${r}/${rounds - 1}` : 'warm-up'}, rollup trigger ${mode}: ${lines.length} lines, ${Math.round(result.perSecond)} lines/s, PostgreSQL ${result.pgUsPerLine.toFixed(1)} µs CPU per line, load ${loads[loads.length - 1]?.toFixed(1)}`,
        );
      }
    } finally {
      await pool.query(`ALTER TABLE logs ENABLE TRIGGER ${trigger}`);
      await receivers.stop();
    }
    const { rows } = await pool.query<{ rolled: string }>(
      'SELECT sum(lines) AS rolled FROM rollup_log_lines',
    );
    console.log(
      [
        '',
        `${lines.length} real log lines (${args.day}, first ${args.minutes} log minutes of the Nezha day) per round through the OTLP/HTTP receiver, ${args.rounds} rounds each way alternated, 1-minute load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}; medians:`,
        '',
        '| rollup trigger | lines stored per second | PostgreSQL CPU µs per line |',
        '|---|---|---|',
        ...(['on', 'off'] as const).map(
          (mode) =>
            `| ${mode} | ${Math.round(median(results[mode].map((x) => x.perSecond)))} | ${median(results[mode].map((x) => x.pgUsPerLine)).toFixed(1)} |`,
        ),
        '',
        `rolled up: ${rows[0]?.rolled ?? 0} lines (${args.rounds + 1} rounds × ${lines.length} expected)`,
      ].join('\n'),
    );
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
