import { z } from 'zod';
import { latestRunbook, runbookCatalog, type CatalogEntry } from '../../runbooks/catalog';
import * as builtins from '../../runbooks';
import type { RunbookDefinition, RunbookWorkflow } from '../../runbooks/sdk';
import type { InputSchema } from '../../runbooks/sdk/inputs';
import { planOf } from '../../runbooks/sdk/plan';
import type { PlanItem, RunbookInput } from '../../runbooks/sdk/types';

/** The definition behind a catalog entry (the catalog itself is plain data). */
export function definitionOf(entry: CatalogEntry): RunbookDefinition {
  return (builtins as Record<string, RunbookWorkflow>)[entry.workflowType]!.definition;
}

export class UnknownRunbookError extends Error {
  override readonly name = 'UnknownRunbookError';
}

/** The latest version of `name`, or an error listing the names there are. */
export function findRunbook(name: string): CatalogEntry {
  const entry = latestRunbook(name);
  if (entry) return entry;
  const names = [...new Set(runbookCatalog.map((e) => e.name))].sort().join(', ');
  throw new UnknownRunbookError(`no runbook named ${name}; the catalog has: ${names}`);
}

interface JsonSchema {
  type?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
}

export interface InputField {
  name: string;
  required: boolean;
  type: string;
  description: string;
}

/** The declared input fields, as JSON Schema describes them. */
export function inputFields(schema: InputSchema | undefined): InputField[] {
  if (!schema) return [];
  const json = z.toJSONSchema(schema) as JsonSchema;
  return Object.entries(json.properties ?? {}).map(([name, p]) => ({
    name,
    required: json.required?.includes(name) ?? false,
    type:
      p.type === 'object' ? `{ ${Object.keys(p.properties ?? {}).join(', ')} }` : (p.type ?? '?'),
    description: p.description ?? '',
  }));
}

/** A stand-in for each declared field (`<deployment>`), so the plan can be shown without one. */
function placeholder(name: string, schema: JsonSchema): unknown {
  if (schema.type === 'object') {
    return Object.fromEntries(
      Object.entries(schema.properties ?? {})
        .filter(([key]) => schema.required?.includes(key))
        .map(([key, p]) => [key, placeholder(key, p)]),
    );
  }
  if (schema.type === 'array') return [];
  if (schema.type === 'number' || schema.type === 'integer') return 1;
  if (schema.type === 'boolean') return false;
  return `<${name}>`;
}

export function exampleInput(def: RunbookDefinition): RunbookInput {
  const json = def.inputs ? (z.toJSONSchema(def.inputs) as JsonSchema) : {};
  const fields = Object.entries(json.properties ?? {})
    .filter(([name]) => json.required?.includes(name))
    .map(([name, p]) => [name, placeholder(name, p)]);
  return { incidentId: '<incident>', service: '<service>', ...Object.fromEntries(fields) };
}

const kindsText = (e: CatalogEntry) =>
  (e.kinds === 'any' ? 'any' : e.kinds.length > 0 ? e.kinds.join(',') : 'by name only') +
  (e.findings.length ? ` if ${e.findings.join('/')} seen` : '') +
  (e.ruledOutBy.length ? ` unless ${e.ruledOutBy.join('/')} seen` : '');

/** `aiops runbooks list`: the latest version of every runbook, one line each. */
export function listText(): string {
  const latest = [...new Set(runbookCatalog.map((e) => e.name))]
    .sort()
    .map((name) => latestRunbook(name)!);
  const rows = [
    ['NAME', 'VERSION', 'RISK', 'INCIDENTS', 'ROOT CAUSE KINDS'],
    ...latest.map((e) => [
      e.name,
      `v${e.version}`,
      e.risk,
      e.incidentKinds.join(','),
      kindsText(e),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function planText(plan: PlanItem[]): string[] {
  return plan.map((item, i) => {
    const n = `${i + 1}.`;
    if (item.kind === 'step')
      return `${n} step ${item.name} (${item.risk} risk, ${item.activity}): ${item.describe}\n     undo: ${item.undo}`;
    if (item.kind === 'approval') {
      const required = item.required === undefined ? '' : `, ${item.required} approval(s) needed`;
      return `${n} approval ${item.name} by ${item.approvers.join(', ')} within ${item.timeout}${required}: ${item.describe}`;
    }
    if (item.kind === 'inspect')
      return `${n} inspect ${item.name} (${item.activity}): ${item.describe}${item.found ? `\n     found: ${item.found}` : ''}`;
    return `${n} verify: ${item.describe}`;
  });
}

/** `aiops runbooks show NAME`: what it fits, what it needs, and its plan step by step. */
export async function showText(name: string): Promise<string> {
  const entry = findRunbook(name);
  const def = definitionOf(entry);
  const versions = runbookCatalog.filter((e) => e.name === entry.name).map((e) => `v${e.version}`);
  const fields = inputFields(def.inputs);
  const plan = await planOf(def, exampleInput(def));
  return [
    `${entry.name} v${entry.version}: ${entry.title}`,
    `risk: ${entry.risk}    versions: ${versions.join(', ')}    workflow type: ${entry.workflowType}`,
    `fits: ${entry.incidentKinds.join(', ')} (root cause kinds: ${kindsText(entry)})`,
    'inputs (besides incidentId and service):',
    ...(fields.length === 0
      ? ['  none']
      : fields.map(
          (f) =>
            `  ${f.name}${f.required ? '' : '?'}: ${f.type}${f.description ? `  ${f.description}` : ''}`,
        )),
    'plan:',
    ...planText(plan).map((l) => `  ${l}`),
  ].join('\n');
}
