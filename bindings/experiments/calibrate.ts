// rcu-lab calibrate: the clock (a dependent chain of one-cycle operations in WebAssembly)
// and the op kinds WebAssembly can execute, measured here; the rest (irq save/restore,
// out-of-line calls, release stores, whose V8 code differs from the kernel's) taken from a
// base profile (the shipped native one), saying so per op.
import type { OpKind } from "../abi/constants.js";
import type { Machine } from "../machine/machine.js";
import type { CostProfile } from "./costs.js";
import { measure } from "./measure.js";
import { runPrimitives } from "./primitives.js";
import { summarize, type Summary } from "./stats.js";

/**
 * The clock of CPU `cpu`: GHz from a dependent chain of one-cycle integer operations
 * (calibrate_chain: CALIBRATE_CHAIN_OPS per iteration), median of `reps` batches.
 */
export async function measureGhz(m: Machine, cpu = 0, reps = 5, n = 20_000_000): Promise<Summary> {
  const r = await measure(m, { command: "calibrate_chain", args: [3, 5], iterations: n, reps, cpus: [cpu] });
  return summarize(r.samples[0].map((nsPerIteration) => m.layout.CALIBRATE_CHAIN_OPS / nsPerIteration));
}

/** The widest clock spread (max/min GHz over the batches of one measurement) calibrate accepts. */
export const DEFAULT_MAX_SPREAD = 1.1;
/** The clock's spread over the batches of one measurement, and whether it is steady: the one rule calibrate and bench share. */
export interface ClockSpread {
  /** max/min GHz over the batches. */
  spread: number;
  maxSpread: number;
  /** spread <= maxSpread. */
  steady: boolean;
  /** What is wrong when unsteady (for a header line, stderr, a report); null when steady. */
  warning: string | null;
}

/** `maxSpread` when it is a finite number > 1; a RangeError otherwise. */
export function checkMaxSpread(maxSpread = DEFAULT_MAX_SPREAD): number {
  if (!(typeof maxSpread === "number" && maxSpread > 1 && Number.isFinite(maxSpread))) throw new RangeError(`maxSpread must be a finite number > 1 (a max/min ratio); got ${maxSpread}`);
  return maxSpread;
}

/** Whether clock `g` (GHz over batches) is steady: max/min at most `maxSpread`. */
export function clockSpread(g: Summary, maxSpread = DEFAULT_MAX_SPREAD): ClockSpread {
  checkMaxSpread(maxSpread);
  const spread = g.max / g.min;
  const steady = spread <= maxSpread;
  const warning = steady ? null : `clock spread ${spread.toFixed(3)} (${g.min.toFixed(3)}-${g.max.toFixed(3)} GHz over ${g.n} batches) is wider than ${maxSpread}: ` +
    "the machine is busy or its frequency changes, and every cycle figure carries that error";
  return { spread, maxSpread, steady, warning };
}

/** Clock measurements calibrate makes before it gives up on a machine that is not steady. */
export const DEFAULT_CLOCK_ATTEMPTS = 3;

export interface CalibrateOptions {
  onProgress?: (done: number, total: number, what: string) => void;
  /** Called with a warning when a clock measurement is too spread and is retried. */
  onWarning?: (message: string) => void;
  /** Accept the clock when max/min over its batches is at most this (> 1). Default DEFAULT_MAX_SPREAD. */
  maxSpread?: number;
  /** Clock measurements before giving up. Default DEFAULT_CLOCK_ATTEMPTS. */
  attempts?: number;
}

/** The clock is too spread to make a profile from: every attempt's spread, in order. */
export class UnstableClockError extends Error {
  constructor(readonly spreads: readonly number[], readonly maxSpread: number, last: Summary) {
    super(
      `the clock is not stable: its spread (max/min over ${last.n} batches) was ${spreads.map((x) => x.toFixed(3)).join(", ")} in ${spreads.length} attempts, ` +
        `more than the ${maxSpread} allowed (last: ${last.min.toFixed(3)}-${last.max.toFixed(3)} GHz); no profile was written. ` +
        `Calibrate on an idle machine (stop other work, fix the CPU frequency), or accept a wider spread (--max-spread, maxSpread)`,
    );
    this.name = "UnstableClockError";
  }
}

/** measureGhz until its spread is at most `maxSpread`, warning at each retry; throws UnstableClockError after `attempts`. */
export async function stableGhz(m: Machine, o: CalibrateOptions = {}): Promise<Summary> {
  const maxSpread = checkMaxSpread(o.maxSpread), attempts = o.attempts ?? DEFAULT_CLOCK_ATTEMPTS;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 100) throw new RangeError(`attempts must be an integer in 1..100; got ${attempts}`);
  const spreads: number[] = [];
  for (;;) {
    const g = await measureGhz(m);
    const c = clockSpread(g, maxSpread);
    spreads.push(c.spread);
    if (c.steady) return g;
    if (spreads.length >= attempts) throw new UnstableClockError(spreads, maxSpread, g);
    o.onWarning?.(`warning: ${c.warning}; measuring again (attempt ${spreads.length + 1} of ${attempts})`);
  }
}

/**
 * rcu-lab calibrate: the clock and the WebAssembly-executable op kinds measured here (on
 * CPU 0 alone), the others from `base` (the shipped native profile). Refuses (UnstableClockError)
 * when the clock does not measure steadily.
 */
export async function calibrateProfile(m: Machine, base: CostProfile, options: CalibrateOptions | CalibrateOptions["onProgress"] = {}): Promise<CostProfile> {
  const o = typeof options === "function" ? { onProgress: options } : options; // (m, base, onProgress) before 0.2
  const ghz = await stableGhz(m, o);
  const onProgress = o.onProgress;
  const r = await runPrimitives(m, { iterations: 10_000_000, reps: 5, impls: ["wasm"], scopes: ["1 CPU"], onProgress });
  const ns = (name: string) => r.rows.find((x) => x.primitive === name)!.nsPerOp.median;
  const cyc = (x: number) => Math.round(x * ghz.median * 100) / 100;
  const here = `measured here in WebAssembly on CPU 0: loop of 1e7, median of 5, at ${ghz.median.toFixed(2)} GHz`;
  const cyclesPerOp = { ...base.cyclesPerOp };
  const sources = { ...base.sources };
  const set = (k: OpKind, v: number, how: string) => ((cyclesPerOp[k] = v), (sources[k] = `${how}; ${here}`));
  set("write_once", cyc(ns("loop baseline")), "one plain store per loop iteration");
  set("this_cpu_rmw", cyc(ns("this_cpu_inc")), "load + add + store on the own CPU's slot");
  set("atomic_rmw", cyc(ns("atomic_add_return")), "atomic.add (V8: lock cmpxchg loop)");
  set("smp_mb", cyc(ns("smp_mb")), "atomic.add(private word, 0)");
  set("read_once", cyc(ns("READ_ONCE+branch") / 2), "atomic.load + branch, half");
  set("branch", cyc(ns("READ_ONCE+branch") / 2), "atomic.load + branch, half");
  set("indirect_call", cyc(ns("indirect call")), "call_indirect of an empty function");
  for (const k of ["irq_save", "irq_restore", "call", "store_release"] as OpKind[]) {
    sources[k] = `${base.sources[k]} (from profile ${base.name}: WebAssembly cannot execute it as the kernel does)`;
  }
  // In-sequence costs are native measurements (bench/native/primitives.c): WebAssembly
  // cannot place a kernel op in kernel code, so they come from the base, in cycles.
  const inSequence = base.inSequence && {
    cyclesPerOp: { ...base.inSequence.cyclesPerOp },
    sources: Object.fromEntries(Object.entries(base.inSequence.sources).map(([k, v]) => [k, `${v} (from profile ${base.name})`])),
  };
  return {
    schema: "rcu-lab/cost-profile@1",
    name: `calibrated-${new Date().toISOString().slice(0, 10)}`,
    source: `rcu-lab calibrate on ${m.platform.name}, ${m.platform.cores()} cores; clock ${ghz.median.toFixed(3)} GHz [${ghz.min.toFixed(3)}-${ghz.max.toFixed(3)}] from a dependent add/xor chain; other ops from ${base.name}`,
    ghz: ghz.median, cyclesPerOp, sources, ...(inSequence ? { inSequence } : {}),
  };
}
