/**
 * The second half of `npm run build`, run from `dist/` after `tsc -p tsconfig.build.json`:
 * copies the runtime files that are not TypeScript (SQL migrations, generated protobuf code,
 * model weights, the Neo4j pom) next to the compiled code, and bundles the workflows once, so
 * no process bundles them at start.
 */
import { cpSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { bundleEngineWorkflows, prebuiltWorkflowBundlePath } from './worker';

/** The source folders the build compiles: tsconfig.build.json's `include`, one list for both. */
function sourceFolders(root: string): string[] {
  const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as {
    include: string[];
  };
  return tsconfig.include;
}

function copyRuntimeFiles(root: string, outDir: string): void {
  for (const folder of sourceFolders(root)) {
    cpSync(join(root, folder), join(outDir, folder), {
      recursive: true,
      filter: (source) => extname(source) !== '.ts' && extname(source) !== '.md',
    });
  }
}

async function main() {
  const outDir = resolve(__dirname, '..');
  const root = resolve(outDir, '..');
  copyRuntimeFiles(root, outDir);
  const started = Date.now();
  const bundle = await bundleEngineWorkflows();
  await writeFile(prebuiltWorkflowBundlePath, bundle.code);
  process.stdout.write(
    `build: workflow bundle ${prebuiltWorkflowBundlePath} (${Math.round(bundle.code.length / 1024)} KiB, ${Date.now() - started} ms)\n`,
  );
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(
      `build: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  });
}
