import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const aiops = join(__dirname, '..', '..', 'bin', 'aiops.js');

/** Runs `aiops investigate` against a Temporal address nobody listens on. */
async function investigate(...args: string[]): Promise<{ status: number; stderr: string }> {
  try {
    await promisify(execFile)(process.execPath, [aiops, 'investigate', ...args], {
      env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1' },
      timeout: 60_000,
    });
    return { status: 0, stderr: '' };
  } catch (err) {
    const { code, stderr } = err as { code: number; stderr: string };
    return { status: code, stderr };
  }
}

describe('aiops investigate refuses an unbounded or inverted window before starting anything', () => {
  it.each([
    [['--start', '1'], /not an ISO-8601 time .*: 1/],
    [
      ['--start', '2026-01-01T00:00:00Z', '--end', '2026-01-01T01:00:00Z', '--baseline', '1e300'],
      /--baseline.*at most 360: 1e300/,
    ],
    [
      ['--start', '2026-01-01T01:00:00Z', '--end', '2026-01-01T00:00:00Z'],
      /end \(2026-01-01T00:00:00.000Z\) is not after start/,
    ],
    [
      ['--start', '2001-01-01T00:00:00Z', '--end', '2026-01-01T00:00:00Z'],
      /at most 360 minutes are investigated at once/,
    ],
  ])('%j', { timeout: 120_000 }, async (args, message) => {
    const { status, stderr } = await investigate(...args);
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(status).not.toBe(0);
  });
});
