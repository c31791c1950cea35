/**
 * Number formatting for the reasons phase 5 writes (sizes, limits, breaker changes). Reasons land in
 * the decision log, whose hash is the run's fingerprint, so the format must be a pure function of
 * the number: fixed precision, no locale.
 */

/** A fraction as a percentage with at most two decimals: 0.026 → `2.6%`, 0.07500000000000007 → `7.5%`. */
export function percent(fraction: number): string {
  return `${tidy(Number((fraction * 100).toFixed(2)))}%`;
}

/**
 * An amount of money to the cent: 100100.374 → `100100.37`, 99990 → `99990.00`. Four significant
 * digits printed a high-water mark of 100,100.37 as `100100` (found by a bug hunt).
 */
export function money(value: number): string {
  return tidy(Number(value.toFixed(2))).toFixed(2);
}

/** A number to four significant digits without trailing zeros: 0.0666666 → `0.06667`, 0.4 → `0.4`. */
export function decimal(value: number): string {
  return String(tidy(Number(value.toPrecision(4))));
}

/** Rounding can leave −0, which would print as `0` here but differently elsewhere; normalize it. */
function tidy(value: number): number {
  return Object.is(value, -0) ? 0 : value;
}
