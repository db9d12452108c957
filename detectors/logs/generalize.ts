import type { MinerOptions } from './options';
import { isQualifiedName } from './shape';
import type { Template } from './template';

export interface Sibling {
  template: Template;
  /** Lines learned into it so far. */
  size: number;
}

/**
 * Whether a position may become a wildcard: never a source slot; the message's first slot
 * only as options.qualifiedFirstSlot and options.firstSlotWords allow.
 */
function mayGeneralize(
  template: Template,
  other: Template,
  position: number,
  options: MinerOptions,
): boolean {
  if (position < options.sourceSlots) return false;
  if (position > options.sourceSlots) return true;
  if (template.wordsBesides(position) >= options.firstSlotWords) return true;
  if (!options.qualifiedFirstSlot) return false;
  const a = template.slots[position];
  const b = other.slots[position];
  return a !== undefined && b !== undefined && isQualifiedName(a.text) && isQualifiedName(b.text);
}

/**
 * The name position of a new (or just generalized) template that has turned out to be
 * variable, judged from the templates on its path that differ from it only there; -1 if
 * none. It is variable when a sibling holds a masked value there (`chdir(pwd)` beside
 * `chdir(/tmp/x)`), or when enough name variants have been seen (options). A template must
 * keep a constant word.
 */
export function variablePosition(
  template: Template,
  siblings: readonly Sibling[],
  options: MinerOptions,
): number {
  const rareVariants = new Map<number, number>();
  for (const sibling of siblings) {
    if (sibling.template === template) continue;
    const difference = template.singleDifference(sibling.template);
    if (!difference) continue;
    if (!template.keepsWordBesides(difference.position)) continue;
    if (!mayGeneralize(template, sibling.template, difference.position, options)) continue;
    if (difference.mixed) return difference.position;
    if (sibling.size <= options.maxLinesOfVariant) {
      // The new template itself is the first rare variant.
      const count = (rareVariants.get(difference.position) ?? 1) + 1;
      rareVariants.set(difference.position, count);
    }
  }
  let best = -1;
  let bestCount = options.variantsForVariable - 1;
  for (const [position, count] of rareVariants) {
    if (count > bestCount) {
      best = position;
      bestCount = count;
    }
  }
  return best;
}
