import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { groupingAccuracy } from '../../detectors/logs/grouping-accuracy';
import { LogTemplateMiner } from '../../detectors/logs/miner';
import { mineGroups, parseCsv, readLoghub } from '../../bench/logs';
import { mineLogLines } from '../../worker/commands/logs';

// The benchmark data lives beside the checkout (../shared/data), not in the repository.
const hasLoghub = existsSync(resolve(__dirname, '..', '..', '..', 'shared', 'data', 'loghub-2k'));

function learn(lines: string[]): LogTemplateMiner {
  const miner = new LogTemplateMiner();
  for (const line of lines) miner.add(line);
  return miner;
}

describe('LogTemplateMiner', () => {
  it('groups lines of the same shape under one template', () => {
    const miner = new LogTemplateMiner();
    const a = miner.add('PacketResponder 1 for block blk_38865049064139660 terminating');
    const b = miner.add('PacketResponder 0 for block blk_-6952295868487656571 terminating');
    expect(a.isNew).toBe(true);
    expect(b.isNew).toBe(false);
    expect(b.templateId).toBe(a.templateId);
    expect(b.template).toBe('PacketResponder <*> for block <*> terminating');
  });

  it('masks generic values: IPs with ports, hex, paths, sizes with units, dates', () => {
    const miner = learn([
      'Accepted socket connection from /10.10.34.11:52227',
      'Block broadcast_9 stored as bytes in memory (estimated size 5.2 KB, free 5.2 KB)',
      'connection from 82.252.162.81 at Sun Jul 10 03:55:14 2005',
    ]);
    expect(miner.match('Accepted socket connection from /10.10.34.13:37177')?.template).toBe(
      'Accepted socket connection from <*>',
    );
    expect(
      miner.match('Block rdd_2_1 stored as bytes in memory (estimated size 384.0 B, free 1.2 GB)')
        ?.template,
    ).toBe('Block <*> stored as bytes in memory (estimated size <*>, free <*>)');
    expect(miner.match('connection from 10.0.0.7 at Mon Aug 1 13:00:00 2005')?.template).toBe(
      'connection from <*> at <*>',
    );
  });

  it('keeps events apart that differ in a constant word', () => {
    const miner = new LogTemplateMiner();
    const ids = new Set(
      [
        '10.11.10.1 "GET /v2/servers/detail HTTP/1.1" status: 200 len: 1893 time: 0.24',
        '10.11.10.1 "POST /v2/servers HTTP/1.1" status: 202 len: 733 time: 0.51',
        '10.11.10.1 "DELETE /v2/servers/7 HTTP/1.1" status: 204 len: 203 time: 0.33',
      ].map((line) => miner.add(line).templateId),
    );
    expect(ids.size).toBe(3);
    const states = ['Paused', 'Resumed', 'Started', 'Stopped'].map(
      (state) => miner.add(`[instance: 7] VM ${state} (Lifecycle Event)`).templateId,
    );
    expect(new Set(states).size).toBe(4);
    // Named interfaces with an index differ by name, not by index.
    const alt = miner.add(
      'NIFF: node node-1 detected a link on network 10.0.0.0 via interface alt0',
    );
    const ee = miner.add('NIFF: node node-2 detected a link on network 10.0.0.0 via interface ee0');
    expect(alt.templateId).not.toBe(ee.templateId);
  });

  it('extracts the parameters of a line in template order', () => {
    const miner = learn(['Received block blk_1 of size 67108864 from /10.251.42.84']);
    expect(miner.match('Received block blk_-42 of size 91178 from /10.250.10.6')).toEqual({
      templateId: expect.any(String),
      template: 'Received block <*> of size <*> from <*>',
      params: ['blk_-42', '91178', '/10.250.10.6'],
    });
    expect(miner.match('a line never seen before')).toBeUndefined();
  });

  it('generalizes a word position once many rare variants appear, keeping the oldest id', () => {
    const miner = new LogTemplateMiner();
    const first = miner.add('removing chargen');
    for (const service of ['daytime', 'echo', 'time', 'ftp']) miner.add(`removing ${service}`);
    const later = miner.add('removing kshell');
    expect(later.templateId).toBe(first.templateId);
    expect(later.template).toBe('removing <*>');
    expect(later.params).toEqual(['kshell']);
    expect(miner.templates()).toHaveLength(1);
  });

  it('never generalizes the first word, which names the event', () => {
    const miner = learn(
      ['boot', 'wait', 'halt', 'risBoot', 'clusterAddMember', 'reboot'].map(
        (verb) => `${verb} (command 1902)`,
      ),
    );
    expect(miner.templates()).toHaveLength(6);
  });

  it.skipIf(!hasLoghub)(
    'matches every learned line to the final template of the cluster it joined',
    () => {
      const { contents } = readLoghub('BGL');
      const miner = new LogTemplateMiner();
      const joined = contents.map((line) => miner.add(line).templateId);
      contents.forEach((line, i) => {
        expect(miner.match(line)?.templateId).toBe(miner.resolveId(joined[i] as string));
      });
    },
  );

  it.skipIf(!hasLoghub)('is deterministic', () => {
    const { contents } = readLoghub('Zookeeper');
    const a = learn(contents).exportState();
    const b = learn(contents).exportState();
    expect(b).toEqual(a);
  });

  it.skipIf(!hasLoghub)(
    'restores exported state as plain JSON with stable ids and keeps learning',
    () => {
      const { contents } = readLoghub('Thunderbird');
      const half = contents.length / 2;
      const original = learn(contents.slice(0, half));
      const state = JSON.parse(JSON.stringify(original.exportState())) as ReturnType<
        LogTemplateMiner['exportState']
      >;
      const restored = new LogTemplateMiner();
      restored.importState(state);
      expect(restored.templates()).toEqual(original.templates());
      for (const line of contents.slice(0, 200)) {
        expect(restored.match(line)?.templateId).toBe(original.match(line)?.templateId);
      }
      // Continuing from the restored state equals never having stopped.
      for (const line of contents.slice(half)) {
        expect(restored.add(line)).toEqual(original.add(line));
      }
      expect(restored.exportState()).toEqual(original.exportState());
      // Ids of templates merged away keep resolving to their survivor.
      for (const [alias, target] of Object.entries(state.aliases)) {
        expect(restored.resolveId(alias)).toBe(original.resolveId(target));
      }
    },
  );
});

describe('groupingAccuracy', () => {
  it('counts a line correct only when its predicted group equals its true group', () => {
    // Truth: {0,1} {2} {3}; predicted: {0,1} {2,3}.
    const score = groupingAccuracy(['a', 'a', 'b', 'b'], ['x', 'x', 'y', 'z']);
    expect(score.ga).toBe(0.5);
    expect(score.precision).toBe(0.5);
    expect(score.recall).toBeCloseTo(1 / 3);
    expect(score.fga).toBeCloseTo(0.4);
  });

  it.skipIf(!hasLoghub)('is high on Loghub HDFS', () => {
    const { contents, eventIds } = readLoghub('HDFS');
    expect(contents).toHaveLength(2000);
    expect(groupingAccuracy(mineGroups(contents), eventIds).ga).toBeGreaterThan(0.95);
  });
});

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and newlines', () => {
    expect(parseCsv('a,"b, c","say ""hi""","x\ny"\r\n1,2,3,4\n')).toEqual([
      ['a', 'b, c', 'say "hi"', 'x\ny'],
      ['1', '2', '3', '4'],
    ]);
  });
});

describe('logs mine', () => {
  it('prints each line with the final template of its cluster', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    input.end(
      ['removing chargen', 'removing daytime', 'removing echo', 'removing time', 'removing ftp']
        .map((l) => `${l}\n`)
        .join(''),
    );
    await mineLogLines(input, output);
    const rows = text.trimEnd().split('\n');
    expect(rows).toHaveLength(5);
    const [id] = (rows[0] ?? '').split('\t');
    for (const row of rows) expect(row).toBe(`${id}\tremoving <*>`);
  });
});
