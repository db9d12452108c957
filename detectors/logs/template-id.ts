/**
 * A short, stable id for a template: a 48-bit hash of the template text as first learned.
 * The id is kept when the template later generalizes, so ids stored elsewhere stay valid.
 */
export function templateIdFor(template: string, taken: (id: string) => boolean): string {
  for (let attempt = 0; ; attempt++) {
    const id = hash48(attempt === 0 ? template : `${template}\u0000${attempt}`);
    if (!taken(id)) return id;
  }
}

/** Two independent 32-bit FNV-1a style mixes; 12 hex digits. */
function hash48(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b) >>> 0;
  h2 = Math.imul(h2 ^ (h2 >>> 13), 0xc2b2ae35) >>> 0;
  return h1.toString(16).padStart(8, '0') + (h2 & 0xffff).toString(16).padStart(4, '0');
}
