import { lineTokenPattern, maxRepeatTokens } from '../../detectors/template-novelty';

/**
 * A log line cut inside its list is the line up to the list's first item. Services log whole
 * collections on one line (Train Ticket's sold tickets: `soldTickets=[Ticket(seatNo=…, …),
 * Ticket(…), …]`), and a length limit cuts such a line somewhere inside its list: the recording's
 * own, or the evidence's 2,000 characters. Where it falls depends on how many characters the
 * items before it hold (ids of 8 or 10 digits), so every cut point masks to a template of its
 * own, and as the list grows or its ids change one such template "vanishes" and another
 * "bursts" while the service writes the same line at the same rate. Detection already reads
 * such a line as the line the service always logs (`newsworthyTemplates`); the ranking's
 * evidence keys it the same way here, so the logs member hears the line, not where it was cut.
 */

/**
 * The template up to the end of its list's first item, marked `…`, when the line ends inside a
 * list: its tokens before the last one (which the cut may have split) repeat, item after item,
 * at least one whole item's length back. Any other template is returned as it is.
 */
export function lineBeforeItsCut(template: string): string {
  const tokens = [...template.matchAll(lineTokenPattern)];
  // The last token may be half a word: it is left out of the comparison.
  const compared = tokens.length - 1;
  let best: { firstItemEnd: number; echo: number } | undefined;
  for (let size = 2; size <= maxRepeatTokens && 2 * size <= compared; size++) {
    let k = compared - 1;
    while (k - size >= 0 && tokens[k]?.[0] === tokens[k - size]?.[0]) k--;
    // Tokens k+1 … compared−1 each repeat the token one item earlier.
    const echo = compared - 1 - k;
    if (echo >= size && (!best || echo > best.echo)) best = { firstItemEnd: k + 1, echo };
  }
  if (!best) return template;
  const last = tokens[best.firstItemEnd - 1];
  if (last?.index === undefined) return template;
  return `${template.slice(0, last.index + last[0].length)}…`;
}
