import { isCalendarWord, isSizeUnit, tokenKind, type TokenKind } from './maskers';
import { tokenize, type Token } from './tokenize';

/**
 * A template position: what a line's token there must be. `wildcard` is a position learned
 * to be variable although it held words; it accepts any token, while `variable` accepts
 * only masked values (so `run-parts` never fills a slot learned from paths).
 */
export type SlotKind = TokenKind | 'wildcard';

/**
 * One position of a template: a masked value (or a run of them), a name, or a wildcard.
 */
export interface Slot {
  kind: SlotKind;
  /** Delimiters before the slot, as first seen (used to render the template). */
  sep: string;
  /** The word, or the name of an indexed token (`eth` for `eth0`); empty for a variable. */
  text: string;
}

/**
 * A line reduced to its shape: its tokens after masking, with runs of values collapsed into
 * one slot (whose `start`/`end` then span the run).
 */
export interface LineShape {
  line: string;
  slots: Token[];
  tailStart: number;
  tailCore: string;
  /** Identity of the whole shape: lines with equal keys belong to the same template. */
  key: string;
}

/** Separators compare without their whitespace: `to:` and `to :` are the same shape. */
export function separatorCore(sep: string): string {
  return /\s/.test(sep) ? sep.replace(/\s+/g, '') : sep;
}

const kindMarks: Record<SlotKind, string> = {
  word: '\u0001',
  indexed: '\u0002',
  variable: '\u0003',
  wildcard: '\u0004',
};

/** Identity of a template slot: kind, separator and text (empty for variables, wildcards). */
export function slotKey(slot: Slot): string {
  return `${separatorCore(slot.sep)}${kindMarks[slot.kind]}${slot.text}`;
}

/** Identity of each slot of a line, comparable with slotKey of a template's slots. */
export function lineKeys(shape: LineShape): string[] {
  return shape.slots.map((t) => `${t.sepCore}${kindMarks[t.kind]}${t.text}`);
}

/** The delimiters before a line's slot, as written. */
export function slotSeparator(shape: LineShape, slot: Token): string {
  return shape.line.slice(slot.sepStart, slot.start);
}

/**
 * Whether a token continues the value before it: a list of values, or of indexed names,
 * separated by spaces or commas (IRQs, hosts, `dadmin1 dadmin2`), or values joined by a
 * bare colon (`ip:port`, times). A list of any length is then one parameter.
 */
function continuesValue(previousKind: TokenKind | undefined, token: Token): boolean {
  if (token.kind === 'word' || previousKind !== token.kind) return false;
  if (token.sepCore === '' || token.sepCore === ',') return true;
  return token.kind === 'variable' && token.sepCore === ':' && token.start - token.sepStart === 1;
}

function isCalendarToken(tokens: readonly Token[], i: number): boolean {
  const token = tokens[i];
  return token !== undefined && token.kind === 'word' && isCalendarWord(token.text);
}

/** Masks tokens; a run of calendar words next to a value, or of two or more, is a date. */
function mask(tokens: readonly Token[]): void {
  let calendar = false;
  for (const token of tokens) {
    token.kind = tokenKind(token.text);
    calendar ||= token.kind === 'word' && isCalendarWord(token.text);
  }
  if (!calendar) return;
  for (let i = 0; i < tokens.length; i++) {
    if (!isCalendarToken(tokens, i)) continue;
    let end = i + 1;
    while (isCalendarToken(tokens, end)) end++;
    if (end - i > 1 || tokens[i - 1]?.kind === 'variable' || tokens[end]?.kind === 'variable') {
      for (let j = i; j < end; j++) (tokens[j] as Token).kind = 'variable';
    }
    i = end;
  }
}

export function lineShape(line: string): LineShape {
  const { tokens, tailStart, tailCore } = tokenize(line);
  mask(tokens);
  const slots: Token[] = [];
  let previous: Token | undefined;
  let previousKind: TokenKind | undefined;
  for (const token of tokens) {
    const kind = token.kind;
    if (previous && continuesValue(previousKind, token)) {
      previous.kind = 'variable';
      previous.text = '';
      previous.end = token.end;
    } else if (previous?.kind === 'variable' && token.sepCore === '' && isSizeUnit(token.text)) {
      previous.end = token.end;
    } else {
      if (kind === 'variable') token.text = '';
      else if (kind === 'indexed') token.text = token.text.slice(0, -1);
      slots.push(token);
      previous = token;
    }
    previousKind = kind;
  }
  let key = '';
  for (const slot of slots) key += `${slot.sepCore}${kindMarks[slot.kind]}${slot.text}\u0000`;
  return { line, slots, tailStart, tailCore, key: key + tailCore };
}
