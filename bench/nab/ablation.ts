/**
 * The ensemble variants the bench scores: the shipped ensemble, each member alone, the ensemble
 * without each of its members, and with each member it leaves out, so every member's
 * contribution is measured rather than assumed.
 */
import { MEMBER_NAMES, type MemberName } from '../../detectors/anomaly/ensemble';

export interface Variant {
  readonly name: string;
  readonly members: readonly MemberName[];
  /** The configuration `detect score` ships with. */
  readonly shipped: boolean;
}

/**
 * The members that can be scored alone or added: the evidence member reads the counts behind
 * latency, error ratios and log counts, and on a metric only stands in while the others are young,
 * so it has no reading of its own on NAB to score alone. The ensemble's rows keep it, and
 * "ensemble − evidence" measures what its stand-in does on NAB.
 */
const SCORED: readonly MemberName[] = MEMBER_NAMES.filter((m) => m !== 'evidence');

export function ablationVariants(shippedMembers: readonly MemberName[]): Variant[] {
  const shipped = shippedMembers.filter((m) => SCORED.includes(m));
  const variant = (name: string, members: readonly MemberName[]): Variant => ({
    name,
    members,
    shipped: false,
  });
  return [
    { name: `ensemble (${shipped.join(' + ')})`, members: shippedMembers, shipped: true },
    ...SCORED.map((m) => variant(`${m} alone`, [m])),
    ...shippedMembers.map((m) =>
      variant(
        `ensemble − ${m}`,
        shippedMembers.filter((x) => x !== m),
      ),
    ),
    ...SCORED.filter((m) => !shipped.includes(m)).map((m) =>
      variant(`ensemble + ${m}`, [...shippedMembers, m]),
    ),
  ];
}
