/** Shared conversions from deviations to scores. */
import type { RollingQuantiles } from './rolling';

/** MAD to standard deviation for Gaussian data. */
const MAD_TO_SIGMA = 1.4826;
/**
 * Floor on any scale, relative to the level: flat and heavily quantised series have zero MAD,
 * and without a floor their first harmless wiggle would be infinitely surprising.
 */
const RELATIVE_SCALE_FLOOR = 1e-3;
const ABSOLUTE_SCALE_FLOOR = 1e-9;

/** Robust standard deviation of a window around `center`, floored relative to `level`. */
export function robustScale(window: RollingQuantiles, center: number, level: number): number {
  return Math.max(MAD_TO_SIGMA * window.mad(center), scaleFloor(level));
}

export function scaleFloor(level: number): number {
  return Math.max(RELATIVE_SCALE_FLOOR * Math.abs(level), ABSOLUTE_SCALE_FLOOR);
}

/** Maps a non-negative z onto [0, 1): 0 → 0, zScale → 1 − 1/e, ∞ → 1. */
export function surprise(z: number, zScale: number): number {
  return 1 - Math.exp(-z / zScale);
}
