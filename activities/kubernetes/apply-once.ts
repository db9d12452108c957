import type { ActionResult } from '../../runbooks/sdk/types';
import { statusOf } from './client';
import { ledgerAnnotation, readLedger, withEntry } from './ledger';

export type JsonPatchOp = {
  op: 'test' | 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
};

/** What an action wants done to the object it just read. */
export type Change<D> =
  { ops: JsonPatchOp[]; result: ActionResult<D> } | { unchanged: ActionResult<D> };

/** Any API object the ledger can live on. */
export interface Annotated {
  metadata?: { resourceVersion?: string; annotations?: Record<string, string> };
}

/** One object an action changes: how to read it and JSON-patch it. */
export interface PatchTarget<T extends Annotated> {
  read(): Promise<T>;
  patch(ops: JsonPatchOp[]): Promise<unknown>;
}

/** Lost races (someone else wrote between our read and our patch) before we give up. */
const conflictRetries = 5;

/**
 * Applies one action at most once: re-reads the object, returns the recorded result if its
 * ledger already holds `actionId`, otherwise patches the change together with the ledger entry
 * under a resourceVersion test, so a concurrent writer makes us re-read instead of clobbering.
 */
export async function applyOnceTo<T extends Annotated, D>(
  target: PatchTarget<T>,
  actionId: string,
  decide: (current: T) => Change<D> | Promise<Change<D>>,
): Promise<ActionResult<D>> {
  for (let attempt = 0; ; attempt++) {
    const current = await target.read();
    const ledger = readLedger(current.metadata?.annotations);
    const recorded = ledger.find((e) => e.id === actionId);
    if (recorded) {
      return { summary: recorded.summary, changed: true, details: recorded.details as D };
    }
    const change = await decide(current);
    if ('unchanged' in change) return change.unchanged;
    const entry = {
      id: actionId,
      summary: change.result.summary,
      details: change.result.details,
      at: new Date().toISOString(),
    };
    const ops: JsonPatchOp[] = [
      { op: 'test', path: '/metadata/resourceVersion', value: current.metadata?.resourceVersion },
      ...change.ops,
      {
        op: 'add',
        path: '/metadata/annotations',
        value: { ...current.metadata?.annotations, [ledgerAnnotation]: withEntry(ledger, entry) },
      },
    ];
    try {
      await target.patch(ops);
      return change.result;
    } catch (err) {
      const status = statusOf(err);
      // 409: resourceVersion moved; 422: our test op failed. Either way: re-read and decide again.
      if ((status === 409 || status === 422) && attempt < conflictRetries) continue;
      throw err;
    }
  }
}
