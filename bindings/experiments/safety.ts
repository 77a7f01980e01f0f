// The `safe` column, measured: for each strategy x context x probe kind, a short tracepoint
// torture run (tp-torture.ts) decides. "off" is not run (its static key is disabled: no
// probe array, every run INCONCLUSIVE; it calls nothing, so it is safe everywhere). A cell
// whose `empty` run FAILs is not run again with the `rcu` probe (its probes include the
// empty kind's: the same failure is possible), and is marked as following from it.
// Strategies may be unsafe by their code where no run can show it (Strategy.unsafeByCode):
// their cell keeps the measured verdict and says safe: false with the reason.
import type { Machine } from "../machine/machine.js";
import { CONTEXTS, STRATEGIES, strategy, type Context } from "./strategy-table.js";
import { PROBE_KINDS, runTpTorture, type ProbeKind } from "./tp-torture.js";
import type { Verdict } from "./verdict.js";

/** The shipped table (results/safety.json), made by `rcu-lab safety --out results/safety.json`. */
export const SHIPPED_SAFETY_URL = new URL("../../../results/safety.json", import.meta.url);

export interface SafetyCell {
  strategy: string;
  context: Context;
  probes: ProbeKind;
  verdict: Verdict;
  /**
   * true: the run PASSed; false: it FAILed, or the strategy is unsafe by its code there; null:
   * not recorded, the run was INCONCLUSIVE (it could not have failed: tp-torture.ts OVERLAP_FLOOR).
   */
  safe: boolean | null;
  reason: string;
  /** "run": measured here; else the cell it follows from. */
  from: "run" | "empty";
  calls: number;
  arraysFreed: number;
  /** Probe-array releases whose grace period began under a call from this cell's context. */
  overlappedReleases: number;
  useAfterFree: number;
  rcuProbeUseAfterFree: number;
  usageErrors: number;
}

export interface SafetyReport {
  schema: "rcu-lab/safety@1";
  command: string;
  seed: number;
  seconds: number;
  spinUs: number;
  cpus: number;
  cores: number;
  /** Wall time of the whole run, seconds. */
  elapsedS: number;
  cells: SafetyCell[];
}

export interface SafetyOptions {
  seconds?: number;
  seed?: number;
  spinUs?: number;
  strategies?: readonly string[];
  contexts?: readonly Context[];
  probes?: readonly ProbeKind[];
  command?: string;
  onProgress?: (done: number, total: number, what: string) => void;
}

export async function runSafety(m: Machine, o: SafetyOptions = {}): Promise<SafetyReport> {
  const seconds = o.seconds ?? 1.5, seed = o.seed ?? 1, spinUs = o.spinUs ?? 4000;
  const names = (o.strategies ?? STRATEGIES.filter((s) => s.keyEnabled).map((s) => s.name)).map((n) => strategy(n));
  const contexts = o.contexts ?? CONTEXTS;
  const kinds = o.probes ?? PROBE_KINDS;
  const t0 = Date.now();
  const cells: SafetyCell[] = [];
  const total = names.length * contexts.length * kinds.length;
  for (const s of names) {
    if (!s.keyEnabled) throw new RangeError(`'${s.name}' has its static key disabled: a torture run of it tests nothing`);
    for (const context of contexts) {
      let empty: SafetyCell | undefined;
      for (const probes of kinds) {
        o.onProgress?.(cells.length, total, `${s.name}, ${context}, ${probes} probes`);
        const byCode = s.unsafeByCode?.[context];
        if (probes === "rcu" && empty?.verdict === "FAIL") {
          cells.push({ ...empty, probes, from: "empty", reason: `follows from the empty probes' FAIL: ${empty.reason}` });
          continue;
        }
        const r = await runTpTorture(m, { strategy: s.name, contexts: [context], seconds, seed, spinUs, probes });
        const overruled = r.verdict !== "FAIL" && byCode;
        // An INCONCLUSIVE run is not recorded: safe stays null (unknown), never true or false.
        const safe = byCode ? false : r.verdict === "INCONCLUSIVE" ? null : r.verdict === "PASS";
        const reason = overruled ? `${r.verdict} (${r.reason}), but unsafe by its code: ${byCode}`
          : r.verdict === "INCONCLUSIVE" ? `not recorded (safe: null): ${r.reason}` : r.reason;
        const cell: SafetyCell = {
          strategy: s.name, context, probes, verdict: r.verdict, safe, reason, from: "run",
          calls: r.calls, arraysFreed: r.arraysFreed, overlappedReleases: r.overlappedReleases[context] ?? 0,
          useAfterFree: r.useAfterFree, rcuProbeUseAfterFree: r.rcuProbe.useAfterFree,
          usageErrors: Object.values(r.usageErrors).reduce((a, b) => a + b, 0),
        };
        if (probes === "empty") empty = cell;
        cells.push(cell);
      }
    }
  }
  o.onProgress?.(total, total, "done");
  return {
    schema: "rcu-lab/safety@1", command: o.command ?? "", seed, seconds, spinUs, cpus: m.cpus, cores: m.platform.cores(),
    elapsedS: (Date.now() - t0) / 1000, cells,
  };
}

/**
 * A strategy's safety in `context` from a safety report: per probe kind, safe or not
 * (undefined: not in the report, or not recorded: INCONCLUSIVE). "off" calls no probe: safe everywhere.
 */
export function safetyOf(r: SafetyReport | undefined, name: string, context: Context): Partial<Record<ProbeKind, boolean>> {
  if (!strategy(name).keyEnabled) return Object.fromEntries(PROBE_KINDS.map((k) => [k, true]));
  const out: Partial<Record<ProbeKind, boolean>> = {};
  for (const c of r?.cells ?? []) if (c.strategy === name && c.context === context && c.safe !== null) out[c.probes] = c.safe;
  return out;
}

/** Check a parsed safety file's shape; throws with the field that is wrong. */
export function parseSafety(json: unknown, file: string): SafetyReport {
  const r = json as SafetyReport;
  if (!r || r.schema !== "rcu-lab/safety@1" || !Array.isArray(r.cells)) throw new Error(`${file}: not an rcu-lab/safety@1 document`);
  for (const c of r.cells) {
    if (typeof c.strategy !== "string" || !CONTEXTS.includes(c.context) || !PROBE_KINDS.includes(c.probes) || (typeof c.safe !== "boolean" && c.safe !== null)) {
      throw new Error(`${file}: bad cell ${JSON.stringify(c)}`);
    }
  }
  return r;
}
