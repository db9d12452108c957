import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

// Workflow and runbook code runs in Temporal's deterministic sandbox: no Node built-ins,
// no I/O, no real clocks or randomness, and every promise must be awaited.
const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  {
    // test/runbooks/validate holds runbooks broken on purpose for `aiops runbooks validate`.
    ignores: [
      'node_modules/**',
      '.aiops/**',
      '.scratch/**',
      'proto/gen/**',
      'bin/**',
      'dist/**',
      'test/runbooks/validate/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts', 'runbooks/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: 'Workflow code must be deterministic: no Node built-ins.',
          })),
          patterns: [
            {
              group: ['**/activities/**', '../activities', '../../activities'],
              allowTypeImports: true,
              message: 'Workflows import activities as types only (proxyActivities).',
            },
            {
              group: ['pg', 'neo4j-driver', 'ssh2', '@kubernetes/*'],
              message: 'No I/O in workflows.',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'Math',
          property: 'random',
          message: 'Use the workflow sandbox (deterministic).',
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setInterval', message: 'Use workflow.sleep / condition.' },
        { name: 'process', message: 'No process access in workflow code.' },
      ],
    },
  },
);
