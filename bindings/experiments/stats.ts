// Statistics of repeated measurements: the median with its spread, never a lone mean.

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Number of repetitions summarised. */
  readonly n: number;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new RangeError("summarize needs at least one value");
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], n: s.length };
}

/** "5.01 ns [4.98-5.20]" style: median with min and max, in the unit given. */
export function formatSummary(s: Summary, unit: string, digits = 2): string {
  return `${s.median.toFixed(digits)} ${unit} [${s.min.toFixed(digits)}-${s.max.toFixed(digits)}]`;
}
