import { isCalendarWord, isLiteralValue, isSizeUnit, tokenKind, type TokenKind } from './maskers';
import type { MinerOptions } from './options';
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
  slots: ShapeSlot[];
  /** The delimiters after the last slot, as written, and without whitespace. */
  tail: string;
  tailCore: string;
  /** Identity of the whole shape: lines with equal keys belong to the same template. */
  key: string;
}

/** A line's slot; `sep` overrides the delimiters as written where an optional group left. */
export interface ShapeSlot extends Token {
  sep?: string;
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
export function slotSeparator(shape: LineShape, slot: ShapeSlot): string {
  return slot.sep ?? shape.line.slice(slot.sepStart, slot.start);
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

/** `api.example.cn` in `api.example.cn:443`: a qualified name right before `:digits`. */
function isHostBeforePort(token: Token, next: Token | undefined): boolean {
  return (
    next !== undefined &&
    next.sepCore === ':' &&
    next.start - next.sepStart === 1 &&
    next.sepStart === token.end &&
    /^[0-9]+$/.test(next.text) &&
    isQualifiedName(token.text)
  );
}

/** Dotted names (`com.apple.xpc`, `api.example.cn`): they name hosts, packages, classes. */
export function isQualifiedName(text: string): boolean {
  return /[A-Za-z0-9_-]\.[A-Za-z_]/.test(text);
}

/**
 * Masks tokens by type (maskers.ts) and by context (options); a run of calendar words next to
 * a value, or of two or more, is a date.
 */
function mask(tokens: readonly Token[], options: MinerOptions): void {
  let calendar = false;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    // A source's name is a name, even with digits (`cart-v2`): templates stay per source.
    if (i < options.sourceSlots) continue;
    token.kind = token.text === '' ? 'variable' : tokenKind(token.text);
    if (token.kind !== 'word') continue;
    if (
      (options.valueAfterEquals && token.sepCore.endsWith('=')) ||
      (options.literalValues && isLiteralValue(token.text)) ||
      (options.hostPort && isHostBeforePort(token, tokens[i + 1]))
    ) {
      token.kind = 'variable';
    }
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

const closerOf: Record<string, string> = { '(': ')', '[': ']' };

/**
 * Drops bracketed groups holding one value only (`bytes (1.16 KB) sent`) after some text,
 * which some lines of an event carry and others not; the delimiters around it merge.
 */
function dropValueGroups(shape: LineShape): void {
  const { slots } = shape;
  // Only a message with a word has text for a group to annotate.
  if (!slots.some((s) => s.kind === 'word')) return;
  for (let i = 1; i < slots.length; i++) {
    const slot = slots[i] as ShapeSlot;
    const closer = closerOf[slot.sepCore.slice(-1)];
    // An empty pair (`f()`) stays: its empty value lets `f()` meet `f(x)`.
    if (slot.kind !== 'variable' || closer === undefined || slot.start === slot.end) continue;
    const next = slots[i + 1];
    const after = next ? next.sepCore : shape.tailCore;
    if (!after.startsWith(closer)) continue;
    const before = slotSeparator(shape, slot);
    const joined = (text: string) =>
      `${before.slice(0, before.lastIndexOf(closer === ')' ? '(' : '['))}${text}`.replace(
        /\s+/g,
        ' ',
      );
    const openCore = slot.sepCore.slice(0, -1);
    if (next) {
      const nextSep = slotSeparator(shape, next);
      next.sep = joined(nextSep.slice(nextSep.indexOf(closer) + 1));
      next.sepCore = openCore + next.sepCore.slice(1);
    } else {
      shape.tail = joined(shape.tail.slice(shape.tail.indexOf(closer) + 1));
      shape.tailCore = openCore + shape.tailCore.slice(1);
    }
    slots.splice(i, 1);
    i--;
  }
}

export function lineShape(line: string, options: MinerOptions): LineShape {
  const { tokens, tailStart, tailCore } = tokenize(line, options.emptyBracketValue);
  mask(tokens, options);
  const slots: ShapeSlot[] = [];
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
  const shape = { line, slots, tail: line.slice(tailStart), tailCore, key: '' };
  if (options.optionalValueGroups) dropValueGroups(shape);
  let key = '';
  for (const slot of slots) key += `${slot.sepCore}${kindMarks[slot.kind]}${slot.text}\u0000`;
  shape.key = key + shape.tailCore;
  return shape;
}
