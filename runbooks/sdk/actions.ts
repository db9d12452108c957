import type { Activities } from '../../activities';
import type { ActionRequest, ActionResult } from './types';

/** An activity is an action when it takes an ActionRequest and answers an ActionResult. */
type ActionShape = (request: ActionRequest<never>) => Promise<ActionResult<unknown>>;

export type ActionName = {
  [K in keyof Activities]: Activities[K] extends ActionShape ? K : never;
}[keyof Activities];

export type ActionParams<N extends ActionName> = Activities[N] extends (
  request: ActionRequest<infer P>,
) => unknown
  ? P
  : never;

export type ActionDetails<N extends ActionName> = Activities[N] extends (
  request: never,
) => Promise<ActionResult<infer D>>
  ? D
  : never;

export interface ActionCall<N extends ActionName = ActionName> {
  activity: N;
  params: ActionParams<N>;
}

/** A typed call of an action activity, e.g. `action('k8sScaleDeployment', { … })`. */
export function action<N extends ActionName>(activity: N, params: ActionParams<N>): ActionCall<N> {
  return { activity, params };
}

export interface Irreversible {
  irreversible: string;
}

/**
 * How a completed step is undone: a compensating action built from what the step reported
 * (or, when only the result tells, the reason it cannot be undone).
 */
export interface Compensate<N extends ActionName> {
  describe: string;
  call(details: ActionDetails<N>): ActionCall | Irreversible;
}

export type Undo<N extends ActionName> = Compensate<N> | Irreversible;

/** For steps that cannot be undone; the reason is shown in the plan and the step record. */
export function irreversible(reason: string): Irreversible {
  return { irreversible: reason };
}

export function isIrreversible(undo: object): undo is Irreversible {
  return 'irreversible' in undo;
}
