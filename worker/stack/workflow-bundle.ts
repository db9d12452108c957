import { rename, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';

/**
 * Run from source (as the benchmarks run the stack), a worker process would bundle the
 * workflows at every start: about half of its start, and what a restarted worker waited for.
 * The stack bundles once instead and its worker processes load that file (AIOPS_WORKFLOW_BUNDLE).
 * Compiled, the build's bundle is beside the code: nothing to do (undefined).
 */
export async function bundleForStack(home: string): Promise<string | undefined> {
  if (extname(__filename) !== '.ts') return undefined;
  const { bundleEngineWorkflows } = await import('../worker.js');
  const bundle = await bundleEngineWorkflows();
  const path = join(home, 'workflow-bundle.js');
  // Written whole, then moved into place: a worker starting meanwhile never reads half of it.
  await writeFile(`${path}.partial`, bundle.code);
  await rename(`${path}.partial`, path);
  return path;
}
