/**
 * Student's t upper tail: the predictive law of a new value under a Gaussian whose mean and
 * variance were estimated from n values (t with n − 1 degrees of freedom, scale widened by
 * √(1 + 1/n)). The normal tail is the limit for large n; for a young fit it is overconfident
 * exactly where the score scale lives (10⁻⁵ to 10⁻¹⁰).
 */

/** P(T > t) for T ~ Student's t with `dof` degrees of freedom, t ≥ 0. */
export function studentTail(t: number, dof: number): number {
  return 0.5 * incompleteBeta(dof / 2, 0.5, dof / (dof + t * t));
}

/** Lanczos' approximation of ln Γ(x), x > 0 (Numerical Recipes' gammln, error < 2e-10). */
const LANCZOS = [
  76.18009172947146, -86.50532032941678, 24.01409824083091, -1.231739572450155,
  0.001208650973866179, -0.000005395239384953,
];

function logGamma(x: number): number {
  const shifted = x + 5.5;
  let series = 1.000000000190015;
  LANCZOS.forEach((c, i) => {
    series += c / (x + 1 + i);
  });
  return (x + 0.5) * Math.log(shifted) - shifted + Math.log((2.5066282746310002 * series) / x);
}

/** Regularised incomplete beta I_x(a, b), by its continued fraction (Numerical Recipes). */
function incompleteBeta(a: number, b: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x),
  );
  return x < (a + 1) / (a + b + 2)
    ? (front * betaFraction(a, b, x)) / a
    : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

const TINY = 1e-300;
const nonZero = (v: number): number => (Math.abs(v) < TINY ? TINY : v);

/** Lentz's evaluation of the incomplete beta's continued fraction. */
function betaFraction(a: number, b: number, x: number): number {
  let c = 1;
  let d = 1 / nonZero(1 - ((a + b) * x) / (a + 1));
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const even = (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m));
    d = 1 / nonZero(1 + even * d);
    c = nonZero(1 + even / c);
    h *= d * c;
    const odd = (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 / nonZero(1 + odd * d);
    c = nonZero(1 + odd / c);
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-12) break;
  }
  return h;
}
