import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { quietRuntime } from '../setup/temporal';

const historiesDir = join(__dirname, 'histories');

describe('replay of recorded workflow histories', () => {
  it('replays every recorded history without a determinism error', async () => {
    quietRuntime();
    const files = (await readdir(historiesDir)).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    const code = await readFile(inject('workflowBundlePath'), 'utf8');
    async function* histories() {
      for (const file of files) {
        const history = historyFromJSON(
          JSON.parse(await readFile(join(historiesDir, file), 'utf8')),
        );
        yield { workflowId: file, history };
      }
    }
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: { code } },
      histories(),
    )) {
      if (result.error) failures.push(`${result.workflowId}: ${String(result.error)}`);
    }
    expect(failures).toEqual([]);
  });
});
