/**
 * Mulberry32: a tiny seeded PRNG whose whole state is one 32-bit integer, so detectors that
 * sample (isolation forest) stay deterministic and their state fits in JSON.
 */
export class Prng {
  constructor(private state: number) {
    this.state = state >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** The current state: `new Prng(snapshot)` continues the same sequence. */
  get snapshot(): number {
    return this.state;
  }
}
