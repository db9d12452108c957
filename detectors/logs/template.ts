import {
  lineKeys,
  separatorCore,
  slotKey,
  slotSeparator,
  type LineShape,
  type Slot,
} from './shape';

/** A template: slots plus closing punctuation, with the derived keys used for matching. */
export class Template {
  readonly keys: readonly string[];
  /** Each slot's separator without whitespace (what wildcards still require). */
  readonly separators: readonly string[];
  /** Rendered with its variables as `<*>`. */
  readonly text: string;
  /** The closing punctuation without whitespace. */
  readonly tailCore: string;

  constructor(
    readonly slots: readonly Slot[],
    readonly tail: string,
  ) {
    this.keys = slots.map(slotKey);
    this.separators = slots.map((s) => separatorCore(s.sep));
    this.text = render(slots, tail);
    this.tailCore = separatorCore(tail);
  }

  /** The template of exactly this line. */
  static ofLine(shape: LineShape): Template {
    const slots = shape.slots.map((t) => ({
      kind: t.kind,
      sep: slotSeparator(shape, t),
      text: t.text,
    }));
    return new Template(slots, shape.tail);
  }

  withWildcard(position: number): Template {
    const slots = [...this.slots];
    const slot = slots[position];
    if (slot) slots[position] = { kind: 'wildcard', sep: slot.sep, text: '' };
    return new Template(slots, this.tail);
  }

  /** How many names of the template the line has (-1 when it misses a constant). */
  matchedNames(shape: LineShape, keys: readonly string[]): number {
    let names = 0;
    for (let i = 0; i < this.keys.length; i++) {
      const kind = (this.slots[i] as Slot).kind;
      if (kind === 'wildcard') {
        if (this.separators[i] !== shape.slots[i]?.sepCore) return -1;
      } else if (this.keys[i] !== keys[i]) {
        return -1;
      } else if (kind !== 'variable') {
        names++;
      }
    }
    return names;
  }

  /** Whether every line of `other` (same path) matches this template. */
  subsumes(other: Template): boolean {
    for (let i = 0; i < this.keys.length; i++) {
      const same =
        (this.slots[i] as Slot).kind === 'wildcard'
          ? this.separators[i] === other.separators[i]
          : this.keys[i] === other.keys[i];
      if (!same) return false;
    }
    return true;
  }

  /**
   * The one position where two templates of the same path differ, and whether both hold
   * names there or one holds a masked value; undefined when they differ elsewhere too or the
   * difference is not between names and values.
   */
  singleDifference(other: Template): { position: number; mixed: boolean } | undefined {
    let position = -1;
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] === other.keys[i]) continue;
      if (position >= 0) return undefined;
      position = i;
    }
    const a = this.slots[position];
    const b = other.slots[position];
    if (!a || !b || this.separators[position] !== other.separators[position]) return undefined;
    if (isName(a) && isName(b)) return { position, mixed: false };
    const mixed = (isName(a) && b.kind === 'variable') || (a.kind === 'variable' && isName(b));
    return mixed ? { position, mixed } : undefined;
  }

  /** Whether a constant word remains besides `position`. */
  keepsWordBesides(position: number): boolean {
    return this.slots.some((s, i) => i !== position && s.kind === 'word');
  }

  /** How many constant words remain besides `position`. */
  wordsBesides(position: number): number {
    let words = 0;
    this.slots.forEach((s, i) => {
      if (i !== position && s.kind === 'word') words++;
    });
    return words;
  }

  /** The line's values for the template's variables, in order. */
  params(shape: LineShape): string[] {
    const values: string[] = [];
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i] as Slot;
      const lineSlot = shape.slots[i];
      if (!lineSlot || slot.kind === 'word') continue;
      const value = shape.line.slice(lineSlot.start, lineSlot.end);
      values.push(slot.kind === 'indexed' ? value.slice(slot.text.length) : value);
    }
    return values;
  }
}

/** Words and indexed names: the slot kinds that generalization can turn into wildcards. */
function isName(slot: Slot): boolean {
  return slot.kind === 'word' || slot.kind === 'indexed';
}

function render(slots: readonly Slot[], tail: string): string {
  let text = '';
  for (const slot of slots) {
    text += slot.sep;
    if (slot.kind === 'variable' || slot.kind === 'wildcard') text += '<*>';
    else if (slot.kind === 'indexed') text += `${slot.text}<*>`;
    else text += slot.text;
  }
  return text + tail;
}

/**
 * The parse-tree path of a template or line: its length, its closing punctuation and its
 * source slots (see MinerOptions.sourceSlots). A line can only match templates on its own
 * path, because none of these ever changes when a template generalizes.
 */
export function pathOf(keys: readonly string[], tailCore: string, sourceSlots: number): string {
  let path = `${keys.length}\u0000${tailCore}`;
  for (let i = 0; i < sourceSlots; i++) path += `\u0000${keys[i] ?? ''}`;
  return path;
}

/** The keys and path of a line, for matching it against the templates of its path. */
export function linePath(shape: LineShape, sourceSlots: number): { keys: string[]; path: string } {
  const keys = lineKeys(shape);
  return { keys, path: pathOf(keys, shape.tailCore, sourceSlots) };
}
