/**
 * Period detection from the autocorrelation of recent history, so seasonal baselines can
 * compare a point with the same phase of earlier cycles instead of with its neighbours.
 */

export interface PeriodSearch {
  /** Shortest period worth modelling, in points. */
  readonly minPeriod: number;
  /** Longest period; the history must hold at least two cycles of it. */
  readonly maxPeriod: number;
  /** Autocorrelation a peak needs to count as a season. */
  readonly minCorrelation: number;
  /** How far the peak must rise above the lowest autocorrelation at shorter lags. */
  readonly minProminence: number;
}

/** In-place iterative radix-2 FFT; `re`/`im` lengths must be a power of two. */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j] as number, re[i] as number];
      [im[i], im[j]] = [im[j] as number, im[i] as number];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const angle = (-2 * Math.PI) / len;
    const wr = Math.cos(angle);
    const wi = Math.sin(angle);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const xr = (re[b] as number) * cr - (im[b] as number) * ci;
        const xi = (re[b] as number) * ci + (im[b] as number) * cr;
        re[b] = (re[a] as number) - xr;
        im[b] = (im[a] as number) - xi;
        re[a] = (re[a] as number) + xr;
        im[a] = (im[a] as number) + xi;
        const nr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = nr;
      }
    }
  }
}

/** Autocorrelation for lags 0..maxLag (unbiased per lag, normalised so lag 0 is 1). */
export function autocorrelation(series: readonly number[], maxLag: number): number[] {
  const n = series.length;
  const mean = series.reduce((a, b) => a + b, 0) / n;
  let size = 1;
  while (size < 2 * n) size <<= 1;
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  series.forEach((x, i) => (re[i] = x - mean));
  fft(re, im);
  for (let i = 0; i < size; i++) {
    re[i] = (re[i] as number) ** 2 + (im[i] as number) ** 2;
    im[i] = 0;
  }
  fft(re, im); // the power spectrum is real and even, so a forward FFT inverts it up to 1/size
  const c0 = (re[0] as number) / n;
  const acf: number[] = [];
  for (let lag = 0; lag <= Math.min(maxLag, n - 1); lag++) {
    acf.push(c0 > 0 ? (re[lag] as number) / (n - lag) / c0 : 0);
  }
  return acf;
}

/** The lag of the strongest autocorrelation peak, or null when nothing is seasonal. */
export function detectPeriod(series: readonly number[], search: PeriodSearch): number | null {
  const maxLag = Math.min(search.maxPeriod, Math.floor(series.length / 2));
  if (maxLag <= search.minPeriod) return null;
  const acf = autocorrelation(series, maxLag + 1);
  let best: number | null = null;
  let bestCorrelation = search.minCorrelation;
  let trough = Infinity;
  for (let lag = 1; lag <= maxLag; lag++) {
    const c = acf[lag] as number;
    trough = Math.min(trough, c);
    if (lag < search.minPeriod) continue;
    // Prominence rules out the slow decay of trends and random walks, whose noise has bumps.
    const isPeak = c >= (acf[lag - 1] as number) && c >= (acf[lag + 1] ?? -Infinity);
    if (isPeak && c > bestCorrelation && c - trough >= search.minProminence) {
      best = lag;
      bestCorrelation = c;
    }
  }
  return best === null ? null : refineOverCycles(series, refinePeriod(series, best));
}

/** How far from the autocorrelation's peak the exact period is looked for, as a share of it. */
const REFINE_REACH = 0.05;

/**
 * The lag near `period` at which the series best repeats itself point by point (least mean
 * squared difference, YIN's difference function). An autocorrelation peak is broad and the
 * partial cycle at the edge of the history shifts it by a few lags; a season modelled a few
 * points off drifts out of phase by that much every cycle.
 */
function refinePeriod(series: readonly number[], period: number): number {
  const reach = Math.max(1, Math.round(REFINE_REACH * period));
  let best = period;
  let bestDifference = Infinity;
  for (let lag = Math.max(1, period - reach); lag <= period + reach; lag++) {
    if (lag >= series.length) break;
    let sum = 0;
    for (let t = lag; t < series.length; t++) {
      const d = (series[t] as number) - (series[t - lag] as number);
      sum += d * d;
    }
    const difference = sum / (series.length - lag);
    if (difference < bestDifference) {
      bestDifference = difference;
      best = lag;
    }
  }
  return best;
}

/** Lags either side of the one-cycle estimate that the many-cycle comparison weighs. */
const OVER_CYCLES_REACH = 2;

/**
 * The lag near `period` at which the series best repeats itself over every whole number of
 * cycles the history holds, not just one. Compared one cycle apart, a lag one point off costs a
 * point's worth of slope, within the noise of the comparison, so noise alone moves the estimate
 * a point or two; compared m cycles apart, it costs m points' worth, and the longest spans decide
 * (a period measured over many swings). A season one point off drifts out of phase by a point
 * per cycle, so a same-phase median over three cycles reads a cycle's slope as noise.
 */
function refineOverCycles(series: readonly number[], period: number): number {
  let best = period;
  let bestDifference = Infinity;
  for (
    let lag = Math.max(1, period - OVER_CYCLES_REACH);
    lag <= period + OVER_CYCLES_REACH;
    lag++
  ) {
    let sum = 0;
    let pairs = 0;
    for (let span = lag; span < series.length; span += lag) {
      for (let t = span; t < series.length; t++) {
        const d = (series[t] as number) - (series[t - span] as number);
        sum += d * d;
      }
      pairs += series.length - span;
    }
    if (pairs > 0 && sum / pairs < bestDifference) {
      bestDifference = sum / pairs;
      best = lag;
    }
  }
  return best;
}
