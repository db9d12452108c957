/** Fixed-size windows over a stream, with the robust statistics the detectors need. */

/** The last `capacity` values, oldest first. */
export class RingBuffer {
  private values: number[];
  private start = 0;

  constructor(
    readonly capacity: number,
    initial: readonly number[] = [],
  ) {
    this.values = initial.slice(-capacity);
  }

  get length(): number {
    return this.values.length;
  }

  /** Appends `x`; returns the value that fell out of the window, if any. */
  push(x: number): number | undefined {
    if (this.values.length < this.capacity) {
      this.values.push(x);
      return undefined;
    }
    const evicted = this.values[this.start];
    this.values[this.start] = x;
    this.start = (this.start + 1) % this.capacity;
    return evicted;
  }

  /** `ago` = 0 is the newest value, 1 the one before it, ... */
  back(ago: number): number | undefined {
    if (ago < 0 || ago >= this.values.length) return undefined;
    return this.values[(this.start + this.values.length - 1 - ago) % this.values.length];
  }

  /** Sum, oldest first: the same additions, in the same order, as summing `toArray()`. */
  sum(): number {
    let total = 0;
    const n = this.values.length;
    for (let i = 0; i < n; i++) total += this.values[(this.start + i) % n] as number;
    return total;
  }

  /** Whether any value passes `test` (no copy of the window, as `toArray` makes). */
  some(test: (value: number) => boolean): boolean {
    return this.values.some(test);
  }

  toArray(): number[] {
    return [...this.values.slice(this.start), ...this.values.slice(0, this.start)];
  }
}

function lowerBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Rolling median and MAD over the last `capacity` values (sorted copy kept alongside). */
export class RollingQuantiles {
  private readonly ring: RingBuffer;
  private readonly sorted: number[];

  constructor(capacity: number, initial: readonly number[] = []) {
    this.ring = new RingBuffer(capacity, initial);
    this.sorted = this.ring.toArray().sort((a, b) => a - b);
  }

  get length(): number {
    return this.sorted.length;
  }

  push(x: number): void {
    const evicted = this.ring.push(x);
    if (evicted !== undefined) this.sorted.splice(lowerBound(this.sorted, evicted), 1);
    this.sorted.splice(lowerBound(this.sorted, x), 0, x);
  }

  /** Linear-interpolated quantile, q in [0, 1]; NaN when empty. */
  quantile(q: number): number {
    const n = this.sorted.length;
    if (n === 0) return NaN;
    const pos = q * (n - 1);
    const lo = Math.floor(pos);
    const a = this.sorted[lo] as number;
    const b = this.sorted[Math.min(lo + 1, n - 1)] as number;
    return a + (b - a) * (pos - lo);
  }

  median(): number {
    return this.quantile(0.5);
  }

  /**
   * Median absolute deviation from `center`. The deviations are two sorted runs fanning out
   * from `center` (leftwards and rightwards), so the middle rank of their union is found by
   * binary search in O(log n), not by sorting; for an even count the rank after it is the
   * smaller of the two runs' next deviations, not a second search.
   */
  mad(center = this.median()): number {
    const s = this.sorted;
    const n = s.length;
    if (n === 0) return NaN;
    const k = (n - 1) >> 1;
    const split = lowerBound(s, center);
    const rightCount = n - split;
    // How many of the k + 1 smallest deviations come from the left run (values below center).
    let lo = Math.max(0, k + 1 - rightCount);
    let hi = Math.min(k + 1, split);
    while (lo < hi) {
      const i = (lo + hi) >> 1;
      if ((s[split + k - i] as number) - center < center - (s[split - 1 - i] as number)) hi = i;
      else lo = i + 1;
    }
    const fromLeft = lo;
    const fromRight = k + 1 - fromLeft;
    const kth = Math.max(
      fromLeft > 0 ? center - (s[split - fromLeft] as number) : -Infinity,
      fromRight > 0 ? (s[split + fromRight - 1] as number) - center : -Infinity,
    );
    if (n % 2 === 1) return kth;
    const next = Math.min(
      fromLeft < split ? center - (s[split - 1 - fromLeft] as number) : Infinity,
      fromRight < rightCount ? (s[split + fromRight] as number) - center : Infinity,
    );
    return (kth + next) / 2;
  }

  toArray(): number[] {
    return this.ring.toArray();
  }
}
