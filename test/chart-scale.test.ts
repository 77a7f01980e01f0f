// The page's chart axis (site/chart.js, chartScale): one outlier row must not squeeze the
// others into a sliver of the width; it is reported as an outlier, drawn at the edge.
import { describe, expect, it } from "vitest";
// @ts-expect-error: site/ is plain JavaScript for the browser, without type declarations
import { OUTLIER_FACTOR, chartScale } from "../site/chart.js";

type Row = { strategy: string; context: string; nsPerCall: { median: number; min: number; max: number; n: number } };
type Scale = (rows: Row[]) => { end: number; step: number; outliers: Row[] };
const row = (strategy: string, context: string, median: number, min: number, max: number): Row => ({ strategy, context, nsPerCall: { median, min, max, n: 5 } });

// A run's rows (1 CPU, one probe): 0.5-40 ns, and one row at 209 ns [18-791] (a busy host).
const QUIET = [
  row("off", "task", 0.5, 0.5, 0.6), row("off", "idle", 0.5, 0.5, 0.6), row("plain", "task", 3.1, 3, 3.4), row("plain", "idle", 3.3, 3.1, 3.6),
  row("rcuidle-irq", "task", 7.6, 7.4, 8), row("rcuidle-irq", "idle", 31, 30, 33), row("rcuidle-srcu", "task", 14.7, 14, 15.5), row("rcuidle-srcu", "idle", 17, 16.5, 18),
  row("rcuidle-srcu-irq", "task", 20, 19, 21), row("rcuidle-srcu-irq", "idle", 37, 36, 40), row("rcuidle-watching", "task", 5.4, 5.2, 5.8), row("rcuidle-watching", "idle", 21, 20, 22),
  row("noinstr", "task", 5.3, 5.1, 5.6), row("noinstr", "idle", 6.1, 5.9, 6.4), row("noinstr+lockdep", "task", 5.3, 5.2, 5.5), row("noinstr+lockdep", "idle", 7.3, 7, 7.6),
];
const OUTLIER = row("srcu-fast", "task", 209, 18, 791);

/** What is wrong with `scale` as the chart's axis. */
function axisProblems(scale: Scale): string[] {
  const problems: string[] = [];
  const quietMax = Math.max(...QUIET.map((r) => r.nsPerCall.max));
  const s = scale([...QUIET, OUTLIER]);
  if (!(s.end >= quietMax)) problems.push(`the axis (0-${s.end} ns) cuts off ordinary rows (up to ${quietMax} ns)`);
  if (!(quietMax / s.end >= 0.6)) problems.push(`the ordinary rows (up to ${quietMax} ns) get ${((100 * quietMax) / s.end).toFixed(0)}% of the axis (0-${s.end} ns)`);
  if (s.outliers.length !== 1 || s.outliers[0] !== OUTLIER) problems.push(`outliers: expected the 209 ns [18-791] row alone; got ${JSON.stringify(s.outliers.map((r) => r.strategy))}`);
  // Both contexts of one strategy out: still outliers.
  const two = scale([...QUIET, OUTLIER, row("srcu-fast", "idle", 250, 30, 600)]);
  if (two.outliers.length !== 2 || !(two.end < 100)) problems.push(`two outlier rows: axis 0-${two.end} ns, ${two.outliers.length} outliers`);
  // Without an outlier nothing is clipped, and the axis ends at a tick not far beyond the largest maximum.
  const q = scale(QUIET);
  if (q.outliers.length) problems.push(`a quiet run has outliers: ${JSON.stringify(q.outliers.map((r) => r.strategy))}`);
  if (!(q.end >= quietMax && q.end <= 2 * quietMax && Math.abs(q.end / q.step - Math.round(q.end / q.step)) < 1e-9)) problems.push(`quiet run: axis 0-${q.end} ns in steps of ${q.step}`);
  return problems;
}

describe("chartScale: the chart's axis", () => {
  it("clips at the largest row maximum within OUTLIER_FACTOR x the median of the row maxima: one row at 209 ns [18-791] is an outlier, the others fill the axis", () => {
    expect(OUTLIER_FACTOR).toBe(10);
    expect(axisProblems(chartScale)).toEqual([]);
    const s = chartScale([...QUIET, OUTLIER]);
    expect([s.end, s.step]).toEqual([50, 10]);
  });

  it("an axis over every row's maximum (the rule before) fails the check: the 791 ns maximum leaves the others 4% of the width", () => {
    const everyRow: Scale = (rows) => {
      const max = Math.max(...rows.map((r) => r.nsPerCall.max)) * 1.05;
      const raw = max / 6, p = 10 ** Math.floor(Math.log10(raw));
      const step = [1, 2, 5, 10].map((m) => m * p).find((x) => x >= raw)!;
      const end = Math.ceil(max / step) * step;
      return { end, step, outliers: rows.filter((r) => r.nsPerCall.max > end) };
    };
    const problems = axisProblems(everyRow).join("\n");
    expect(problems).toMatch(/the ordinary rows \(up to 40 ns\) get 4% of the axis \(0-1000 ns\)/);
    expect(problems).toMatch(/outliers: expected the 209 ns \[18-791\] row alone; got \[\]/);
  });

  it("no rows, or rows of 0 ns, still give a finite axis of positive length", () => {
    expect(chartScale([]).end).toBeGreaterThan(0);
    const z = chartScale([row("off", "task", 0, 0, 0)]);
    expect(z.end).toBeGreaterThan(0);
    expect(Number.isFinite(z.end)).toBe(true);
    expect(z.outliers).toEqual([]);
  });
});
