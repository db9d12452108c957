import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runbookCatalog } from '../../runbooks/catalog';
import * as builtins from '../../runbooks';
import { field, incidentKinds, workflowTypeOf, type RunbookWorkflow } from '../../runbooks/sdk';
import { RunbookInputError } from '../../runbooks/sdk/context';
import { checkInput, requiredFields } from '../../runbooks/sdk/inputs';

const workflows = builtins as Record<string, RunbookWorkflow>;

describe('the runbook catalog, derived from the runbooks', () => {
  it('lists every exported runbook under the workflow type its name and version give', () => {
    expect(runbookCatalog.map((e) => e.workflowType).sort()).toEqual(Object.keys(workflows).sort());
    for (const [exported, workflow] of Object.entries(workflows)) {
      expect(workflowTypeOf(workflow.definition)).toBe(exported);
    }
  });

  it('repeats nothing: each entry is what the runbook file declares', () => {
    const raise = runbookCatalog.find((e) => e.workflowType === 'k8sRaiseMemoryLimitV1');
    const { definition } = workflows.k8sRaiseMemoryLimitV1!;
    expect(raise).toEqual({
      name: definition.name,
      version: definition.version,
      workflowType: 'k8sRaiseMemoryLimitV1',
      title: definition.title,
      risk: definition.risk,
      kinds: definition.kinds,
      findings: definition.findings,
      ruledOutBy: [],
      incidentKinds: definition.incidentKinds,
      requires: ['deployment'],
    });
    expect(raise?.findings).toEqual(['oomKilled']);
  });

  it('every built-in says which incidents it fits, from the shared vocabulary', () => {
    for (const entry of runbookCatalog) {
      expect(entry.incidentKinds.length, entry.name).toBeGreaterThan(0);
      for (const kind of entry.incidentKinds) expect(incidentKinds).toContain(kind);
    }
  });

  it('one name per runbook has increasing versions, without gaps', () => {
    const byName = new Map<string, number[]>();
    for (const e of runbookCatalog) byName.set(e.name, [...(byName.get(e.name) ?? []), e.version]);
    for (const [name, versions] of byName) {
      expect(
        [...versions].sort((a, b) => a - b),
        name,
      ).toEqual(versions.map((_, i) => i + 1));
    }
  });
});

describe('runbook input schemas', () => {
  const schema = z.object({
    deployment: field.deployment,
    namespace: field.namespace,
    host: field.host,
  });

  it('required fields are the ones without a default or optional marker', () => {
    expect(requiredFields(schema)).toEqual(['deployment', 'host']);
    expect(requiredFields(undefined)).toEqual([]);
  });

  it('names every missing field, then the first malformed one', () => {
    const base = { incidentId: 'i', service: 'cart' };
    expect(() => checkInput(schema, base)).toThrow(
      new RunbookInputError('input is missing deployment, host'),
    );
    expect(() => checkInput(schema, { ...base, deployment: 'cart', host: '' })).toThrow(
      'input is missing host',
    );
    expect(() =>
      checkInput(schema, { ...base, deployment: 'cart', host: 'h', namespace: '' }),
    ).toThrow(/^input field namespace: /);
    expect(checkInput(schema, { ...base, deployment: 'cart', host: 'h' })).toMatchObject({
      deployment: 'cart',
      host: 'h',
      service: 'cart',
    });
  });
});
