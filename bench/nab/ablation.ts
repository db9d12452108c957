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

export function ablationVariants(shipped: readonly MemberName[]): Variant[] {
  const variant = (name: string, members: readonly MemberName[]): Variant => ({
    name,
    members,
    shipped: false,
  });
  return [
    { name: `ensemble (${shipped.join(' + ')})`, members: shipped, shipped: true },
    ...MEMBER_NAMES.map((m) => variant(`${m} alone`, [m])),
    ...shipped.map((m) =>
      variant(
        `ensemble − ${m}`,
        shipped.filter((x) => x !== m),
      ),
    ),
    ...MEMBER_NAMES.filter((m) => !shipped.includes(m)).map((m) =>
      variant(`ensemble + ${m}`, [...shipped, m]),
    ),
  ];
}
