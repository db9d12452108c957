/**
 * The log miner's settings. One configuration serves every log source: `defaultMinerOptions`
 * is chosen by bench/logs.ts on Loghub (and its leave-one-system-out score says how well such
 * a choice carries to a system it was not chosen on); the other fields exist so the bench can
 * choose them and tests can pin them, not for per-source tuning.
 */
export interface MinerOptions {
  /**
   * Distinct name variants at one position, templates otherwise equal, that make the position
   * a variable: constants seldom take many values at one place, while 2–4 variants (GET/POST,
   * state names) usually mean distinct events.
   */
  variantsForVariable: number;
  /**
   * A variant counts towards `variantsForVariable` only while it has at most this many lines;
   * Infinity counts every variant, however often it repeats (user names, client names).
   */
  maxLinesOfVariant: number;
  /**
   * The message's first slot usually names the event (Drain's premise: `boot (command 7)` and
   * `wait (command 9)` are different events), so it becomes a wildcard only when its variants
   * are qualified names (`com.apple.xpc`, `api.example.cn`: names of a source, not of an
   * event), if this is set…
   */
  qualifiedFirstSlot: boolean;
  /**
   * …or when the template keeps at least this many constant words besides it, enough to name
   * the event by themselves (`DSDT (v1 DELL PE BKC 1 MSFT 2)`); Infinity: never.
   */
  firstSlotWords: number;
  /**
   * Leading slots that name the source (ingest prefixes the service name): never generalized,
   * so templates stay apart per source. The message's first slot follows them.
   */
  sourceSlots: number;
  /** A word right after `key=` is a value (`user=root`, `enabled=true`), not a name. */
  valueAfterEquals: boolean;
  /** Words that are values by type wherever they stand: booleans and null. */
  literalValues: boolean;
  /**
   * A bracketed group of values only (`(1.16 KB)`, `[42]`) is an optional annotation of the
   * text before it: it leaves the line's shape, so lines with and without it share a template.
   */
  optionalValueGroups: boolean;
  /** `()` holds an empty value, so `f()` and `f(x)` have the same shape. */
  emptyBracketValue: boolean;
  /** A qualified name followed by `:port` (`api.example.cn:443`) is one value, a host. */
  hostPort: boolean;
}

export const defaultMinerOptions: Readonly<MinerOptions> = {
  variantsForVariable: 5,
  maxLinesOfVariant: Infinity,
  qualifiedFirstSlot: true,
  firstSlotWords: 3,
  sourceSlots: 0,
  valueAfterEquals: true,
  literalValues: true,
  optionalValueGroups: true,
  emptyBracketValue: true,
  hostPort: true,
};
