/**
 * Telling text logs from other input. The miner turns any bytes into templates, so binary
 * input would silently yield garbage: callers refuse input whose start is not text and set
 * aside single lines that are not.
 */

/** Magic numbers of compressed and archive formats people pipe in by mistake. */
const signatures: readonly { bytes: readonly number[]; name: string }[] = [
  { bytes: [0x1f, 0x8b], name: 'gzip-compressed (decompress it first, e.g. with zcat)' },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], name: 'zstd-compressed (decompress it first)' },
  { bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], name: 'xz-compressed (decompress it first)' },
  { bytes: [0x42, 0x5a, 0x68], name: 'bzip2-compressed (decompress it first)' },
  { bytes: [0x50, 0x4b, 0x03, 0x04], name: 'a zip archive' },
  { bytes: [0x7f, 0x45, 0x4c, 0x46], name: 'an executable (ELF)' },
];

/** How much of the input's start is inspected (as git and file(1) do). */
export const sniffBytes = 8000;

/**
 * Why the input starting with `head` is not text, or undefined when it looks like text: a
 * known binary format, or a NUL byte (text never holds one).
 */
export function binaryInputReason(head: Uint8Array): string | undefined {
  for (const { bytes, name } of signatures) {
    if (bytes.length <= head.length && bytes.every((b, i) => head[i] === b)) {
      return `the input is ${name}, not text`;
    }
  }
  const end = Math.min(head.length, sniffBytes);
  for (let i = 0; i < end; i++) {
    if (head[i] === 0) return `the input is binary, not text (a NUL byte at offset ${i})`;
  }
  return undefined;
}

/**
 * Whether a decoded line is text: no control characters besides tab and escape (ANSI colors),
 * and no characters that could not be decoded (U+FFFD) in place of most of it.
 */
export function isTextLine(line: string): boolean {
  let undecodable = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x1b) || c === 0x7f) return false;
    if (c === 0xfffd) undecodable++;
  }
  return undecodable * 4 < line.length || line.length === 0;
}
