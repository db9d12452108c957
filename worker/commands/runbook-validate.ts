import { existsSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { Program } from 'typescript';
import { runbookCatalog } from '../../runbooks/catalog';
import { incidentKinds, workflowTypeOf, type RunbookWorkflow } from '../../runbooks/sdk';
import { planOf } from '../../runbooks/sdk/plan';
import { riskOrder } from '../../runbooks/sdk/types';
import { exampleInput } from './runbook-describe';

/** The engine's checkout: where its tsconfig and lint configuration are. */
function projectRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(resolve(dir, 'tsconfig.json')) && existsSync(resolve(dir, 'eslint.config.mjs')))
      return dir;
    if (dirname(dir) === dir) throw new Error('the engine checkout (tsconfig.json) was not found');
  }
}

/** The file's program with the project's settings (strict), and the compiler's errors in it. */
async function typeCheck(
  root: string,
  file: string,
): Promise<{ program: Program; errors: string[] }> {
  const ts = await import('typescript');
  const config = ts.readConfigFile(resolve(root, 'tsconfig.json'), (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const program = ts.createProgram([file], parsed.options);
  const errors = ts.getPreEmitDiagnostics(program).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return text;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${relative(root, d.file.fileName)}:${line + 1}:${character + 1} ${text}`;
  });
  return { program, errors };
}

/**
 * The lint the engine's own runbooks pass (determinism: no Node built-ins, I/O, clocks or
 * randomness; every promise awaited), applied to the file wherever it is. The typed rules read
 * the type check's program: the project service would build the whole checkout's again.
 */
async function lintErrors(root: string, file: string, program: Program): Promise<string[]> {
  const { ESLint } = await import('eslint');
  const configs = (await import(resolve(root, 'eslint.config.mjs'))) as {
    default: { files?: string[] }[];
  };
  const runbookRules = configs.default.filter((c) => c.files?.includes('runbooks/**/*.ts'));
  const eslint = new ESLint({
    cwd: root,
    // The file is checked wherever it is, even where the checkout's own lint skips it.
    ignore: false,
    overrideConfig: [
      ...runbookRules.map((c) => ({ ...c, files: ['**/*.ts'] })),
      {
        files: ['**/*.ts'],
        languageOptions: { parserOptions: { projectService: false, programs: [program] } },
      },
    ],
  });
  const [result] = await eslint.lintFiles([file]);
  return (result?.messages ?? []).map(
    (m) => `${relative(root, file)}:${m.line}:${m.column} ${m.message} (${m.ruleId ?? 'parse'})`,
  );
}

/** The declaration and plan checks of every runbook the module exports. */
async function declarationErrors(file: string): Promise<string[]> {
  const { require: load } = await import('tsx/cjs/api');
  const exports = load(file, __filename) as Record<string, unknown>;
  const runbooks = Object.entries(exports).filter(
    (e): e is [string, RunbookWorkflow] => typeof e[1] === 'function' && 'definition' in e[1],
  );
  if (runbooks.length === 0) return ['exports no runbook (a defineRunbook(...) result)'];
  const errors: string[] = [];
  for (const [exported, { definition: def }] of runbooks) {
    const at = `${exported} (${def.name} v${def.version})`;
    if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(def.name))
      errors.push(`${at}: name is not kebab-case`);
    if (!Number.isInteger(def.version) || def.version < 1)
      errors.push(`${at}: version is not a positive integer`);
    if (exported !== workflowTypeOf(def))
      errors.push(`${at}: export it as ${workflowTypeOf(def)} (that name is its workflow type)`);
    if (!riskOrder.includes(def.risk)) errors.push(`${at}: risk is not one of ${riskOrder}`);
    for (const kind of def.incidentKinds ?? [])
      if (!incidentKinds.includes(kind)) errors.push(`${at}: unknown incident kind ${kind}`);
    const clash = runbookCatalog.find(
      (e) => e.name === def.name && e.version === def.version && e.title !== def.title,
    );
    if (clash)
      errors.push(
        `${at}: ${def.name} v${def.version} is already another runbook; bump the version`,
      );
    try {
      const plan = await planOf(def, exampleInput(def));
      if (!plan.some((p) => p.kind === 'step')) errors.push(`${at}: its plan has no step`);
    } catch (err) {
      errors.push(`${at}: planning failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return errors;
}

/**
 * `aiops runbooks validate FILE`: type checks, the determinism lint, then the declarations and
 * the plan of each runbook it exports. Returns the problems found (none: valid). Needs the
 * engine's checkout with its dev dependencies (TypeScript, ESLint).
 */
export async function validateRunbookFile(path: string): Promise<string[]> {
  const file = resolve(path);
  if (!existsSync(file)) return [`${path}: no such file`];
  const root = projectRoot();
  const typed = await typeCheck(root, file);
  const linted = await lintErrors(root, file, typed.program);
  // A module that does not compile cannot be loaded to check its declarations.
  return typed.errors.length > 0
    ? [...typed.errors, ...linted]
    : [...linted, ...(await declarationErrors(file))];
}
