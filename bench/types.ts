/** One figure printed by `npm run bench`. */
export interface BenchLine {
  name: string;
  value: number | string;
  unit: string;
  /** The target as text, e.g. "< 15 ms". */
  target?: string;
  /** Whether the target is met, when it can be judged. */
  ok?: boolean;
}

/** median returns the median of a list of numbers. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** round returns a number with `digits` decimals. */
export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
