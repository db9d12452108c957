import type { TokenKind } from './maskers';

/**
 * Splits a log message into word tokens. Whitespace and the punctuation that frames values
 * (`key=value`, `key: value`, `(x)`, `[x]`, `"x"`, `a,b`, leader dots `name.....0`) separate
 * tokens, so a value glued to its key still becomes a token of its own. The punctuation
 * before a token is part of the message's shape (`sepCore`) and of its rendered template.
 */
export interface Token {
  /** Filled in by masking; `word` until then. */
  kind: TokenKind;
  text: string;
  /** Offsets of `text` in the line, for parameter extraction. */
  start: number;
  end: number;
  /** Where the delimiters before this token start (they end at `start`). */
  sepStart: number;
  /** Those delimiters without whitespace: `to:` and `to :` have the same shape. */
  sepCore: string;
}

export interface TokenizedLine {
  tokens: Token[];
  /** Where the delimiters after the last token start, and them without whitespace. */
  tailStart: number;
  tailCore: string;
}

const whitespace = 1;
const punctuation = 2;
/** ASCII character classes; everything else (letters, digits, `.`, `/`, `-`…) is word. */
const charClass = new Uint8Array(128);
for (const c of ' \t\n\v\f\r') charClass[c.charCodeAt(0)] = whitespace;
for (const c of ',;:=()[]{}"\'<>|') charClass[c.charCodeAt(0)] = punctuation;

const dot = 46;
const slash = 47;
const colon = 58;
const backslash = 92;

function classAt(line: string, i: number): number {
  const code = line.charCodeAt(i);
  if (code < 128) {
    const cls = charClass[code] as number;
    if (cls !== 0) return cls;
    // Two or more dots are leader punctuation (`enabled.....1`), not part of a word.
    if (code === dot && (line.charCodeAt(i + 1) === dot || line.charCodeAt(i - 1) === dot)) {
      return punctuation;
    }
  }
  return 0;
}

/**
 * Whitespace words kept whole although they contain delimiters, because splitting would
 * scatter one value into fragments that look like words: paths and URLs (query strings
 * hold `=`), colon-separated hex (MAC, IPv6, WWIDs), Windows paths.
 */
const wholeWordPatterns: readonly RegExp[] = [
  /^\/[^/]/,
  /^[a-z][a-z0-9+.-]*:\/\//i,
  /^(?=.*[0-9])[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){2,}$/i,
  /^[a-z]:\\/i,
];

/** Digits or a leading slash inside `name(...)`/`name[...]` make the whole thing one value. */
const bracketedValue = /^\/|[0-9]/;

const closing: Record<number, number> = { 40: 41, 91: 93 };

/**
 * End of `name(...)` or `name[...]` starting with the bracket at `open`, when the brackets
 * close within the word and enclose a value (`LOCAL(0)`, `fd(3)`, `chdir(/tmp)`); else -1.
 */
function bracketedEnd(line: string, open: number, wordEnd: number): number {
  const opening = line.charCodeAt(open);
  const close = closing[opening];
  let depth = 0;
  for (let i = open; i < wordEnd; i++) {
    const code = line.charCodeAt(i);
    if (code === opening) depth++;
    else if (code === close && --depth === 0) {
      return bracketedValue.test(line.slice(open + 1, i)) ? i + 1 : -1;
    }
  }
  return -1;
}

/** End of the token starting at `start` when its whole word is one value, else -1. */
function wholeWordEnd(line: string, start: number, wordEnd: number, mayBeWhole: boolean): number {
  if (!mayBeWhole && line.charCodeAt(start) !== slash) return -1;
  let end = wordEnd;
  while (end > start && classAt(line, end - 1) !== 0) end--;
  const word = line.slice(start, end);
  for (const pattern of wholeWordPatterns) if (pattern.test(word)) return end;
  return -1;
}

function tokenEnd(line: string, start: number, wordEnd: number): number {
  let end = start;
  while (end < wordEnd && classAt(line, end) === 0) end++;
  while (end < wordEnd && closing[line.charCodeAt(end)] !== undefined) {
    const bracketEnd = bracketedEnd(line, end, wordEnd);
    if (bracketEnd < 0) break;
    end = bracketEnd;
    while (end < wordEnd && classAt(line, end) === 0) end++;
  }
  return end;
}

/** `(` `[` `{` → their closer, for empty pairs. */
const pairClosers: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/**
 * `emptyValues`: an empty bracket pair (`f()`) holds an empty token, so it has the shape of
 * `f(x)`; the token's text is empty and masking makes it a value.
 */
export function tokenize(line: string, emptyValues = false): TokenizedLine {
  const tokens: Token[] = [];
  const n = line.length;
  let sepStart = 0;
  let sepCore = '';
  let wordEnd = 0;
  let mayBeWhole = false;
  let firstInWord = true;
  let i = 0;
  while (i < n) {
    const cls = classAt(line, i);
    if (cls === whitespace) {
      firstInWord = true;
      i++;
      continue;
    }
    if (i >= wordEnd) {
      // A new whitespace word: find its end, noting whether it could be a whole value.
      mayBeWhole = false;
      wordEnd = i;
      for (; wordEnd < n; wordEnd++) {
        const code = line.charCodeAt(wordEnd);
        if (code < 128 && charClass[code] === whitespace) break;
        if (code === colon || code === backslash) mayBeWhole = true;
      }
    }
    if (cls === punctuation) {
      const c = line[i] as string;
      sepCore += c;
      i++;
      if (emptyValues && pairClosers[c] !== undefined && line[i] === pairClosers[c]) {
        tokens.push({ kind: 'word', text: '', start: i, end: i, sepStart, sepCore });
        sepCore = '';
        sepStart = i;
      }
      continue;
    }
    const whole = firstInWord ? wholeWordEnd(line, i, wordEnd, mayBeWhole) : -1;
    const end = whole >= 0 ? whole : tokenEnd(line, i, wordEnd);
    tokens.push({ kind: 'word', text: line.slice(i, end), start: i, end, sepStart, sepCore });
    firstInWord = false;
    sepCore = '';
    i = end;
    sepStart = end;
  }
  return { tokens, tailStart: sepStart, tailCore: sepCore };
}
