export type ReplicaTarget = { add: number } | { multiply: number } | { set: number };

/** The replica count a target asks for from `current`, never above `max` nor below 0. */
export function targetReplicas(current: number, t: ReplicaTarget, max: number | undefined): number {
  const wanted =
    'set' in t ? t.set : 'add' in t ? current + t.add : Math.ceil(current * t.multiply);
  return Math.max(0, max === undefined ? wanted : Math.min(wanted, max));
}
