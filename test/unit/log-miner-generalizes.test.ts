import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LogTemplateMiner } from '../../detectors/logs/miner';
import { binaryInputReason, isTextLine } from '../../detectors/logs/text-input';
import { chooseOptions, leaveOneOutOptions, preferredOptions } from '../../bench/logs-settings';
import { mineLogLines, NonTextInputError, nonTextWarning } from '../../worker/commands/logs';
import type { MinerOptions } from '../../detectors/logs/options';

/** The final template id of each line, as the bench and `aiops logs mine` report it. */
function finalIds(lines: readonly string[], options: Partial<MinerOptions> = {}): string[] {
  const miner = new LogTemplateMiner(options);
  const ids = lines.map((line) => miner.add(line).templateId);
  return ids.map((id) => miner.resolveId(id) ?? id);
}

const distinct = (values: readonly string[]) => new Set(values).size;

// One synthetic log per general cause of split templates (issue #14).
describe('the log miner generalizes by principle', () => {
  it('makes a word a variable once it takes enough values, however often each repeats', () => {
    const users = ['root', 'guest', 'test', 'admin', 'oracle', 'postgres'];
    // Each user name is tried many times before the next appears, as in a login scan.
    const lines = users.flatMap((user, u) =>
      Array.from({ length: 12 }, (_, i) => `Invalid user ${user} from 10.0.${u}.${i}`),
    );
    const ids = finalIds(lines);
    expect(distinct(ids)).toBe(1);
    // The old rule (a variant counts only while it is rare) kept every name a constant.
    expect(distinct(finalIds(lines, { maxLinesOfVariant: 2 }))).toBe(users.length);
  });

  it('treats booleans, and words right after `key=`, as values by type', () => {
    const lines = [
      'screen state changed isOn=true reason=user',
      'screen state changed isOn=false reason=timeout',
      'screen state changed isOn=true reason=timeout',
      'cache enabled: true',
      'cache enabled: false',
    ];
    const ids = finalIds(lines);
    expect(distinct(ids.slice(0, 3))).toBe(1);
    expect(distinct(ids.slice(3))).toBe(1);
  });

  it('generalizes a qualified name or a host with a port in the first token', () => {
    const bundles = ['com.apple.xpc', 'com.apple.cts', 'com.apple.icloud', 'org.mozilla.ff'];
    const bundleLines = [...bundles, 'com.apple.mail', 'net.example.sync'].flatMap((b) => [
      `${b}: scheduler job finished`,
      `${b}: scheduler job finished`,
    ]);
    const hostLines = ['api.example.cn', 'cdn.example.de', 'img.example.fr'].map(
      (host, i) => `${host}:443 open through proxy proxy.example.org:${5000 + i} HTTPS`,
    );
    expect(distinct(finalIds(bundleLines))).toBe(1);
    expect(distinct(finalIds(hostLines))).toBe(1);
    // A verb that names the event stays apart, however many there are.
    const verbs = ['boot', 'wait', 'halt', 'risBoot', 'clusterAddMember', 'reboot'];
    expect(distinct(finalIds(verbs.map((verb) => `${verb} (command 1902)`)))).toBe(verbs.length);
  });

  it('lets an optional group of values and empty brackets not split a template', () => {
    const ids = finalIds([
      'example.org:443 close, 1190 bytes (1.16 KB) sent, 1671 bytes (1.63 KB) received',
      'example.org:443 close, 451 bytes sent, 353 bytes received',
      'example.org:443 close, 2048 bytes (2 KB) sent, 353 bytes received',
      'calling onResume() on activity main',
      'calling onResume(saved) on activity main',
    ]);
    expect(distinct(ids.slice(0, 3))).toBe(1);
    expect(distinct(ids.slice(3))).toBe(1);
  });

  it('keeps the first template id when a template generalizes', () => {
    const miner = new LogTemplateMiner();
    const first = miner.add('com.apple.xpc: scheduler job finished');
    const seen = ['com.apple.cts', 'com.apple.icloud', 'org.mozilla.ff', 'com.apple.mail'].map(
      (b) => miner.add(`${b}: scheduler job finished`).templateId,
    );
    const last = miner.add('net.example.sync: scheduler job finished');
    expect(last.templateId).toBe(first.templateId);
    expect(last.template).toBe('<*>: scheduler job finished');
    for (const id of seen) expect(miner.resolveId(id)).toBe(first.templateId);
  });

  it('keeps a source slot apart even when it looks like a value', () => {
    const miner = new LogTemplateMiner({ sourceSlots: 1 });
    const services = ['cart-v1', 'cart-v2', 'pay.v1', 'pay.v2', 'ship-3', 'mail-4'];
    const ids = services.map((s) => miner.add(`${s} request handled in 12 ms`).templateId);
    expect(distinct(ids)).toBe(services.length);
    expect(miner.templates().map((t) => t.template)).toContain('cart-v1 request handled in <*> ms');
  });
});

describe('non-text input', () => {
  it('names binary formats and NUL bytes, and accepts text', () => {
    expect(binaryInputReason(gzipSync('a log line\n'))).toMatch(/gzip/);
    expect(binaryInputReason(Buffer.from('line one\nline\u0000two\n'))).toMatch(
      /NUL byte at offset 13/,
    );
    expect(binaryInputReason(Buffer.from('plain text, ünïcode, \u001b[31mcolor\u001b[0m\n'))).toBe(
      undefined,
    );
    expect(isTextLine('tab\tseparated \u001b[1mbold')).toBe(true);
    expect(isTextLine('bell \u0007 here')).toBe(false);
    expect(isTextLine('\ufffd\ufffd\ufffdab')).toBe(false);
  });

  it('refuses input that is not text before mining anything', async () => {
    const input = new PassThrough();
    input.end(gzipSync('PacketResponder 1 for block blk_1 terminating\n'));
    const output = new PassThrough();
    await expect(mineLogLines(input, output)).rejects.toThrow(NonTextInputError);
    expect(output.read()).toBeNull();
  });

  it('sets aside single lines that are not text and counts them', async () => {
    const input = new PassThrough();
    input.end('hello world 1\r\nbad \u0001\u0002 line\nhello world 2');
    const output = new PassThrough();
    const summary = await mineLogLines(input, output);
    expect(summary).toEqual({ lines: 3, nonTextLines: [2] });
    const rows = (output.read() as Buffer).toString('utf8').split('\n');
    expect(rows[1]).toBe('\t');
    expect(rows[0]?.split('\t')[1]).toBe('hello world <*>');
    expect(nonTextWarning(summary)).toMatch(/1 of 3 lines were not text.*lines 2\)/);
  });
});

describe('leave-one-out choice of settings', () => {
  it('never uses the left-out system to choose its settings', () => {
    // maxLinesOfVariant=2 scores best on system 0 only; the others prefer the first value.
    const score = (options: MinerOptions) =>
      options.maxLinesOfVariant === 2 ? [1, 0.5, 0.5] : [0, 0.6, 0.6];
    const chosen = leaveOneOutOptions(3, score);
    expect(chosen[0]?.maxLinesOfVariant).toBe(Infinity);
    // Without system 1, systems 0 and 2 favour 2 on the mean (0.75 against 0.3).
    expect(chosen[1]?.maxLinesOfVariant).toBe(2);
  });

  it('keeps the preferred value where the systems cannot tell values apart', () => {
    expect(chooseOptions([0, 1], () => [0.9, 0.9])).toEqual(preferredOptions());
  });
});
