/**
 * Generic masking of variable-looking tokens, as data: the first masker whose pattern
 * matches a token decides how it is treated. One list for every log source: nothing here
 * names a system, so a new source needs no configuration.
 */
export type TokenKind =
  /** A value: any value matches it, and it is a parameter of the template. */
  | 'variable'
  /**
   * A name with a one-digit index (`eth0`, `CPU3`, `alt0`): the index is a parameter but the
   * name is kept, because names like `alt0`/`ee0` often tell different events apart.
   */
  | 'indexed'
  | 'word';

export interface Masker {
  name: string;
  kind: Exclude<TokenKind, 'word'>;
  pattern: RegExp;
}

export const maskers: readonly Masker[] = [
  { name: 'indexed-name', kind: 'indexed', pattern: /^[A-Za-z]+[0-9]$/ },
  // Numbers, hex, ids with digits, IPs, versions, times, sizes: almost never constant text.
  { name: 'has-digit', kind: 'variable', pattern: /[0-9]/ },
  { name: 'path', kind: 'variable', pattern: /^\/./ },
  { name: 'url', kind: 'variable', pattern: /^[a-z][a-z0-9+.-]*:\/\//i },
  { name: 'windows-path', kind: 'variable', pattern: /^[a-z]:\\/i },
  // Host names (`www.example.com`, `proxy.cs.example.edu.hk`) and executables (`chrome.exe`).
  {
    name: 'host-name',
    kind: 'variable',
    pattern:
      /^(?:www\.[\w.-]+|(?:[\w-]+\.)+(?:com|net|org|edu|gov|mil|io|info|biz)(?:\.[a-z]{2})?)$/i,
  },
  { name: 'executable', kind: 'variable', pattern: /^[\w.-]+\.exe$/i },
];

/**
 * Kinds of recently seen names. Words repeat across lines while values rarely do, so
 * remembering names spares most regex work; values are not remembered.
 */
const knownNames = new Map<string, TokenKind>();
const maxKnownNames = 50_000;

export function tokenKind(text: string): TokenKind {
  const known = knownNames.get(text);
  if (known) return known;
  let kind: TokenKind = 'word';
  for (const masker of maskers) {
    if (masker.pattern.test(text)) {
      kind = masker.kind;
      break;
    }
  }
  if (kind !== 'variable') {
    if (knownNames.size >= maxKnownNames) knownNames.clear();
    knownNames.set(text, kind);
  }
  return kind;
}

/** Day, month and time-zone names: values when they stand next to another value (a date). */
const calendarWords = new Set(
  [
    'Mon Tue Wed Thu Fri Sat Sun Monday Tuesday Wednesday Thursday Friday Saturday Sunday',
    'Jan Feb Mar Apr May Jun Jul Aug Sep Sept Oct Nov Dec January February March April June',
    'July August September October November December',
    'UTC GMT EST EDT CST CDT MST MDT PST PDT CET CEST BST IST JST',
  ]
    .join(' ')
    .split(' '),
);

export function isCalendarWord(text: string): boolean {
  return calendarWords.has(text);
}

/** Size units after a number belong to the value: `5.2 KB` and `384.0 B` are one parameter. */
const sizeUnits = new Set('B KB MB GB TB PB KiB MiB GiB TiB PiB'.split(' '));

export function isSizeUnit(text: string): boolean {
  return sizeUnits.has(text);
}

/** Booleans and null: values by type wherever they stand. */
const literalValues = new Set('true false True False TRUE FALSE null NULL'.split(' '));

export function isLiteralValue(text: string): boolean {
  return literalValues.has(text);
}
