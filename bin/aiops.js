#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `aiops` works from a checkout without a build step.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const cli = join(__dirname, '..', 'worker', 'cli.ts');
const tsx = require.resolve('tsx/cli');
const result = spawnSync(process.execPath, [tsx, cli, ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
