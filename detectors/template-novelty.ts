/**
 * Which of the log templates the miner marked novel are news. Two kinds are not:
 * - a template of a service the engine has heard from only briefly: a service new to the
 *   engine (just deployed, or just started sending) logs its everyday lines for the first
 *   time, all of them novel;
 * - a variant of a line the service already logs, differing only in how many times a part
 *   repeats (a list of one more item: `[Ticket(a), Ticket(b)]` against `[Ticket(a)]`). The
 *   miner groups lines by their token count, so each new list length is a new template, but
 *   it is the same line the service has always written. Long lines are cut at a length limit,
 *   often inside such a list: a line that ends in the middle of a repeat is that line cut, the
 *   same line as any it agrees with up to the cut, and a shape that begins another of nearly
 *   its length is the same line cut elsewhere.
 */
export interface TemplateText {
  service: string;
  template: string;
  firstSeen: number;
}

/** How long a service must have been logging before its novel templates are news. */
export const serviceNoveltyWarmupMs = 10 * 60_000;
/** A shape that begins another and has this share of its length is that line, cut shorter. */
const cutShare = 0.9;
/** Longest repeated run of tokens folded (a list item of up to this many words and marks). */
export const maxRepeatTokens = 24;
/**
 * A line's tokens: words and punctuation apart, so that an item's separator (`,` inside a list,
 * `]` after the last item) is its own token and the items themselves repeat exactly.
 */
export const lineTokenPattern = /[\w<>*]+|[^\s\w<>*]/g;

/**
 * The template with every immediate repeat of a run of tokens folded into one: two templates
 * with the same shape differ only in how many times some part repeats.
 */
export function templateShape(template: string): string {
  return lineShape(template).shape;
}

/** A template's shape (see templateShape), and whether its line was cut inside a repeat. */
interface LineShape {
  shape: string;
  cut: boolean;
}

/** Trailing tokens that must echo a repeat for a line to count as cut inside it. */
const cutEcho = 2;

function lineShape(template: string): LineShape {
  const tokens = template.match(lineTokenPattern) ?? [];
  const cut = endsInsideRepeat(tokens);
  for (let size = 1; size <= maxRepeatTokens; size++) {
    const out: string[] = [];
    // Every start is tried, not only multiples of the run: a list begins wherever its line's
    // text before it ends.
    for (let i = 0; i < tokens.length;) {
      let j = i + size;
      while (j + size <= tokens.length && sameRun(tokens, i, j, size)) j += size;
      if (j === i + size) {
        out.push(tokens[i]!);
        i++;
      } else {
        out.push(...tokens.slice(i, i + size));
        i = j;
      }
    }
    tokens.splice(0, tokens.length, ...out);
  }
  return { shape: tokens.join(' '), cut };
}

/**
 * The line stops inside a repeat: before its last token (which the cut may have split), its
 * final tokens repeat the ones a run's length earlier, as the items of a list do.
 */
function endsInsideRepeat(tokens: readonly string[]): boolean {
  const echo = tokens.length - 1 - cutEcho;
  for (let size = 2; size <= maxRepeatTokens && echo - size >= 0; size++)
    if (sameRun(tokens, echo - size, echo, cutEcho)) return true;
  return false;
}

function sameRun(tokens: readonly string[], a: number, b: number, size: number): boolean {
  for (let k = 0; k < size; k++) if (tokens[a + k] !== tokens[b + k]) return false;
  return true;
}

/**
 * The novel templates that are news, given every template of their services the engine knows
 * (`known`, novel ones included: the earliest sighting of a service is its first template).
 */
export function newsworthyTemplates<T extends TemplateText>(
  novel: readonly T[],
  known: readonly TemplateText[],
): T[] {
  const since = new Map<string, number>();
  const shapes = new Map<string, (LineShape & { firstSeen: number })[]>();
  for (const k of known) {
    since.set(k.service, Math.min(since.get(k.service) ?? k.firstSeen, k.firstSeen));
    const list = shapes.get(k.service) ?? [];
    list.push({ ...lineShape(k.template), firstSeen: k.firstSeen });
    shapes.set(k.service, list);
  }
  return novel.filter((n) => {
    const first = Math.min(since.get(n.service) ?? n.firstSeen, n.firstSeen);
    if (n.firstSeen - first < serviceNoveltyWarmupMs) return false;
    const shape = lineShape(n.template);
    return !(shapes.get(n.service) ?? []).some(
      (k) => k.firstSeen < n.firstSeen && sameLine(k, shape),
    );
  });
}

function sameLine(a: LineShape, b: LineShape): boolean {
  const [short, long] = a.shape.length <= b.shape.length ? [a, b] : [b, a];
  if (long.shape.startsWith(short.shape) && short.shape.length >= cutShare * long.shape.length)
    return true;
  return cutFrom(a, b) || cutFrom(b, a);
}

/** `cut` is `whole` cut inside a repeat: the two agree up to the cut's last (maybe split) token. */
function cutFrom(cut: LineShape, whole: LineShape): boolean {
  if (!cut.cut) return false;
  const before = cut.shape.slice(0, cut.shape.lastIndexOf(' '));
  return before.length > 0 && whole.shape.startsWith(`${before} `);
}

/**
 * Whether a template names a service other than the one that logged it. Such a line reports a
 * call into that service as its caller saw it (`No instances available for payment-api`,
 * `call to basket-api failed`): a symptom of the call, like a slow edge, not a fault in the
 * caller's own code, so its novelty is one piece of evidence and not conclusive on its own.
 * A service's own failing code logs lines about itself (`[getRoutesByRouteIds][Get Route By
 * Ids Failed]`), which stay conclusive: code-level faults show mostly there.
 */
export function namesOtherService(
  template: string,
  service: string,
  services: Iterable<string>,
): boolean {
  for (const other of services) {
    if (other === service) continue;
    // A whole name: `order` is not in `shop-order`, nor `shop-order` in a pod's name
    // `shop-order-7f9c`.
    const escaped = other.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    if (new RegExp(`(?<![\\w-])${escaped}(?![\\w-])`).test(template)) return true;
  }
  return false;
}

/** A route a service serves (a server operation named by its path, `{…}` for a parameter). */
export interface Endpoint {
  service: string;
  route: string;
}

/**
 * Whether a line quotes a route another service serves (`"path":"/api/v1/orders/42"` in the
 * error a caller logged for the 500 it got back): like its name, the callee's route makes the
 * line the caller's view of a call into it.
 */
export function quotesOtherEndpoint(
  text: string,
  service: string,
  endpoints: Iterable<Endpoint>,
): boolean {
  for (const e of endpoints) {
    // A bare `/` or `/*` is every service's; a route needs a named segment.
    if (e.service === service || !/^\/[\w-]/.test(e.route)) continue;
    const pattern = e.route
      .split(/\{[^}]*\}/)
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/\\s"\']+');
    if (new RegExp(`(?<![\\w/])${pattern}(?![\\w/])`).test(text)) return true;
  }
  return false;
}
