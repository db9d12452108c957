import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { quietRuntime } from '../setup/temporal';

const historiesDir = join(__dirname, 'histories');

describe('replay of recorded workflow histories', () => {
  let code: string;

  beforeAll(async () => {
    // The engine's bundle (global setup builds it with bundleEngineWorkflows), which the workers
    // and the recorder run: its OpenTelemetry interceptors add awaits around Update handlers, so
    // an approval Update completes after the gate's timer is cancelled. A bundle without them
    // would replay such a history as nondeterministic (TimerCanceled where it expects the
    // Update's completion); histories recorded before tracing replay on this bundle too (SDK
    // flag 6).
    code = await readFile(inject('workflowBundlePath'), 'utf8');
  });

  it('replays every recorded history without a determinism error', async () => {
    quietRuntime();
    const files = (await readdir(historiesDir)).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
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
