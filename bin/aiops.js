#!/usr/bin/env node
// Runs the compiled CLI (`npm run build` writes dist/; `npm install` runs it through `prepare`).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const cli = join(__dirname, '..', 'dist', 'worker', 'cli.js');
if (!existsSync(cli)) {
  process.stderr.write(
    'aiops: not built yet; run `npm run build` in ' + join(__dirname, '..') + '\n',
  );
  process.exit(1);
}
void require(cli).main();
