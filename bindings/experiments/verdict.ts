// The verdict of a torture run. PASS only when the oracle watched something that could
// have gone wrong (grace periods ended, elements or probe arrays were freed, readers ran)
// and nothing did; INCONCLUSIVE when it watched nothing (a run too short, a strategy with
// nothing to free): such a run proves nothing and must not read as a PASS.

export type Verdict = "PASS" | "FAIL" | "INCONCLUSIVE";

export interface Judged {
  verdict: Verdict;
  /** One sentence: why this verdict. */
  reason: string;
}

/** "3 grace periods" / "no grace period": what the oracle saw of each thing it needs. */
export function missing(seen: Record<string, number>): string[] {
  return Object.entries(seen).filter(([, n]) => n === 0).map(([what]) => what);
}

/** Usage errors by kind, non-zero only, as "srcu-in-nmi 984, eqs-exit 2" (or ""). */
export function usageSummary(usage: Record<string, number>): { total: number; text: string } {
  const nz = Object.entries(usage).filter(([, v]) => v > 0);
  return { total: nz.reduce((a, [, v]) => a + v, 0), text: nz.map(([k, v]) => `${k} ${v}`).join(", ") };
}
