import type { Template } from './template';

/**
 * When this many templates are equal except for one position holding a different rare word
 * in each, that position is a variable (user names, service names): constants seldom take so
 * many values, while 2–4 variants (GET/POST/DELETE, state names) usually mean distinct events.
 */
const rareVariantsForVariable = 5;

/** A variant seen at most this often counts as rare: a value seldom repeats. */
const maxLinesOfRareVariant = 2;

export interface Sibling {
  template: Template;
  /** Lines learned into it so far. */
  size: number;
}

/**
 * The name position of a new (or just generalized) template that has turned out to be
 * variable, judged from the templates on its path that differ from it only there; -1 if
 * none. It is variable when a sibling holds a masked value there (`chdir(pwd)` beside
 * `chdir(/tmp/x)`), or when enough rare name variants have been seen. A template must keep
 * a constant word. Siblings share the first slot (it is part of the path), so that slot
 * never generalizes: it names the event, Drain's premise too (`boot (command 7)` and
 * `wait (command 9)` stay apart).
 */
export function variablePosition(template: Template, siblings: readonly Sibling[]): number {
  const rareVariants = new Map<number, number>();
  for (const sibling of siblings) {
    if (sibling.template === template) continue;
    const difference = template.singleDifference(sibling.template);
    if (!difference) continue;
    if (!template.keepsWordBesides(difference.position)) continue;
    if (difference.mixed) return difference.position;
    if (sibling.size <= maxLinesOfRareVariant) {
      // The new template itself is the first rare variant.
      const count = (rareVariants.get(difference.position) ?? 1) + 1;
      rareVariants.set(difference.position, count);
    }
  }
  let best = -1;
  let bestCount = rareVariantsForVariable - 1;
  for (const [position, count] of rareVariants) {
    if (count > bestCount) {
      best = position;
      bestCount = count;
    }
  }
  return best;
}
