// The strategy table: every way of protecting a tracepoint call, the kernel version it
// stands for, its read side and update side, the contexts where it is safe, and its four
// costs: ns per call, calibrated cycles, exact op counts (counting build), modeled cycles.
import { modeledCycles, measureGhz, type CostProfile } from "./costs.js";
import { OP_KINDS, type OpKind } from "./layout.js";
import type { Machine } from "./machine.js";
import { yieldToEventLoop } from "./wait.js";
import { summarize, type Summary } from "./stats.js";
import { retryWhileArenaFull, type ReleaseChain } from "./tracepoint.js";

export type Context = "task" | "irq" | "idle" | "nmi";
/** Contexts the cost table measures: RCU watching (task) and not watching (idle). */
export type BenchContext = "task" | "idle";

export interface Strategy {
  readonly name: string;
  /** The kernel version or proposal; uncertain history is marked as such. */
  readonly standsFor: string;
  readonly readSide: string;
  readonly release: ReleaseChain;
  readonly updateSide: string;
  /** Where the strategy is safe (legal) to call. */
  readonly contexts: readonly Context[];
  /** Exported wasm loops: measured loop and torture loop. */
  readonly loop: string;
  readonly torture: string;
}

const S = (name: string, standsFor: string, readSide: string, release: ReleaseChain, updateSide: string, contexts: Context[]): Strategy => {
  const id = name.replace(/[-+]/g, "_");
  return { name, standsFor, readSide, release, updateSide, contexts, loop: `trace_loop_${id}`, torture: `tp_torture_${id}` };
};

export const STRATEGIES: readonly Strategy[] = [
  S("off", "static key disabled (any version)", "one branch", "rcu-srcu", "-", ["task", "irq", "idle", "nmi"]),
  S("plain", "non-rcuidle trace_X() (v5.6, !LOCKDEP)", "preempt_disable_notrace, rcu_dereference_raw, probes, preempt_enable_notrace", "rcu-srcu", "call_rcu -> call_srcu -> free (paired with v5.6)", ["task", "irq", "nmi"]),
  S("rcuidle-irq", "rcuidle up to v4.18", "rcu_irq_enter_irqson ... rcu_irq_exit_irqson around the plain read side", "rcu", "call_rcu_sched -> free", ["task", "irq", "idle", "nmi"]),
  S("rcuidle-srcu", "commit e6753f23d961 alone (2018); by our reading superseded within v4.19 by 865e63b04e9b, so perhaps never in a release (unverified)", "preempt_disable_notrace, srcu_read_lock_notrace(&tracepoint_srcu) ... unlock, preempt_enable_notrace", "rcu-srcu", "call_rcu_sched -> call_srcu -> free", ["task", "irq", "idle"]),
  S("rcuidle-srcu-irq", "rcuidle v4.19 to v6.12 (e6753f23d961 + 865e63b04e9b; first tag unverified)", "preempt_disable_notrace, SRCU lock, rcu_irq_enter_irqson, probes, exit, SRCU unlock, enable", "rcu-srcu", "call_rcu -> call_srcu -> free", ["task", "irq", "idle"]),
  S("rcuidle-watching", "proposal of 2020-03-10 (Desnoyers; not merged)", "if (!rcu_is_watching()) rcu_irq_enter_irqson() before the plain read side; exit only if entered", "rcu-srcu", "call_rcu -> call_srcu -> free (unchanged)", ["task", "irq", "idle", "nmi"]),
  S("noinstr", "v6.13: rcuidle removed, callers run where RCU watches", "the plain read side", "rcu", "call_rcu -> free", ["task", "irq", "nmi"]),
  S("noinstr+lockdep", "v6.13 with CONFIG_LOCKDEP", "WARN_ON_ONCE(!rcu_is_watching()) outside the static branch (counted), then the plain read side", "rcu", "call_rcu -> free", ["task", "irq", "nmi"]),
  S("srcu-fast", "2025 PREEMPT_RT path, fca6fa23c5a5 (mainline status unverified)", "srcu_read_lock_fast ... unlock, plus migrate_disable (modelled as its per-task counter)", "rcu-srcu-fast", "call_rcu -> call_srcu -> free", ["task", "irq"]),
];

export function strategy(name: string): Strategy {
  const s = STRATEGIES.find((x) => x.name === name);
  if (!s) throw new RangeError(`unknown strategy '${name}'; expected one of: ${STRATEGIES.map((x) => x.name).join(", ")}`);
  return s;
}

/** Tracepoints with 0, 1 and 3 empty probes attached. */
export function defineBenchTracepoints(m: Machine): Record<number, number> {
  const out: Record<number, number> = {};
  for (const k of [0, 1, 3]) {
    const tp = m.tracepoints.define(`bench_${k}_probes`);
    for (let i = 0; i < k; i++) tp.register("empty", i + 1);
    out[k] = tp.id;
  }
  return out;
}

async function enterContext(m: Machine, ctx: BenchContext, cpus: readonly number[]): Promise<void> {
  if (ctx === "idle") await m.runAll("idle_loop_enter", [], { cpus });
}

async function leaveContext(m: Machine, ctx: BenchContext, cpus: readonly number[]): Promise<void> {
  if (ctx === "idle") await m.runAll("idle_loop_exit", [], { cpus });
}

/** Exact op counts of one call, from a counting-build machine (CPU 0). */
export async function opCountsPerCall(m: Machine, s: Strategy, ctx: BenchContext, tpId: number, n = 1000): Promise<Record<OpKind, number>> {
  if (m.build !== "counting") throw new Error("op counts need a machine of the counting build: Machine.create({ build: \"counting\" })");
  await enterContext(m, ctx, [0]);
  const before = m.opCounts(0);
  await m.run(0, s.loop, [n, tpId, 0]);
  const after = m.opCounts(0);
  await leaveContext(m, ctx, [0]);
  const out = {} as Record<OpKind, number>;
  for (const k of OP_KINDS) out[k] = (after[k] - before[k]) / n;
  return out;
}

export interface StrategyRow {
  strategy: string;
  standsFor: string;
  context: BenchContext;
  probes: number;
  scope: "1 CPU" | "all CPUs";
  /** Whether the strategy is safe in this context. */
  safe: boolean;
  nsPerCall: Summary;
  /** nsPerCall x the clock measured at the start of the run. */
  cyclesPerCall: Summary;
  ops: Record<OpKind, number>;
  modeledCycles: number;
  usageErrorsPerCall: number;
  /** Probe-array updates made by the concurrent updater during this figure (--churn). */
  churnUpdates: number;
}

export interface StrategyBenchOptions {
  strategies?: readonly string[];
  contexts?: readonly BenchContext[];
  probes?: readonly number[];
  scopes?: readonly ("1 CPU" | "all CPUs")[];
  iterations?: number;
  reps?: number;
  /**
   * A concurrent updater: while each figure is measured, the host keeps registering and
   * unregistering an extra probe on the measured tracepoint (each update publishes a new
   * array and releases the old one through the grace periods).
   */
  churn?: boolean;
  onProgress?: (done: number, total: number, what: string) => void;
}

/** Register/unregister an extra probe on tracepoint `tpId` until stop() is awaited. */
function startChurn(m: Machine, tpId: number): { stop: () => Promise<number> } {
  const tp = m.tracepoints.byId(tpId);
  let running = true;
  let updates = 0;
  const loop = (async () => {
    for (let k = 0; running; k++) {
      await retryWhileArenaFull(m, () => tp.register("count", 0x10000 + k));
      await retryWhileArenaFull(m, () => tp.unregister("count", 0x10000 + k));
      updates += 2;
      await yieldToEventLoop();
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return updates;
    },
  };
}

export interface StrategyReport {
  schema: "rcu-lab/bench@1";
  cpus: number;
  cores: number;
  oversubscribed: boolean;
  ghz: Summary;
  profile: { name: string; source: string };
  iterations: number;
  reps: number;
  churn: boolean;
  rows: StrategyRow[];
  /** The host probe (calls back into JavaScript): plain, task context, one probe, 1 CPU. */
  hostProbe: { nsPerCall: Summary; emptyProbeNsPerCall: Summary };
}

function checkList<T extends string | number>(what: string, got: readonly T[] | undefined, allowed: readonly T[]): readonly T[] {
  if (!got) return allowed;
  for (const g of got) if (!allowed.includes(g)) throw new RangeError(`unknown ${what} '${g}'; expected one of: ${allowed.join(", ")}`);
  if (got.length === 0) throw new RangeError(`${what}: choose at least one of ${allowed.join(", ")}`);
  return got;
}

/**
 * Every strategy x context x probes attached, on 1 CPU and all CPUs at once (release
 * machine `m`), with op counts from the counting machine `counting` and modeled cycles
 * from `profile`.
 */
export async function runStrategyBench(m: Machine, counting: Machine, profile: CostProfile, o: StrategyBenchOptions = {}): Promise<StrategyReport> {
  const names = checkList("strategy", o.strategies, STRATEGIES.map((s) => s.name));
  const contexts = checkList("context", o.contexts, ["task", "idle"] as BenchContext[]);
  const probes = checkList("probe count", o.probes, [0, 1, 3]);
  const scopes = checkList("scope", o.scopes, m.cpus > 1 ? (["1 CPU", "all CPUs"] as const) : (["1 CPU"] as const));
  const iterations = o.iterations ?? 1_000_000;
  const reps = o.reps ?? 5;
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > 2 ** 32 - 1) throw new RangeError(`iterations must be an integer in 1..${2 ** 32 - 1}; got ${iterations}`);
  if (!Number.isInteger(reps) || reps < 1) throw new RangeError(`reps must be a positive integer; got ${reps}`);
  const tps = defineBenchTracepoints(m);
  const tpsCounting = defineBenchTracepoints(counting);
  const ghz = await measureGhz(m);
  const rows: StrategyRow[] = [];
  const total = names.length * contexts.length * probes.length * scopes.length;
  let done = 0;
  for (const name of names) {
    const s = strategy(name);
    for (const ctx of contexts) {
      for (const k of probes) {
        const tpId = s.name === "off" ? tps[0] : tps[k];
        const ops = await opCountsPerCall(counting, s, ctx, s.name === "off" ? tpsCounting[0] : tpsCounting[k]);
        for (const scope of scopes) {
          o.onProgress?.(done++, total, `${s.name}, ${ctx}, ${k} probe(s), ${scope}`);
          const cpus = scope === "1 CPU" ? [0] : [...Array(m.cpus).keys()];
          const usage0 = cpus.reduce((a, c) => a + Object.values(m.usageErrors(c)).reduce((x, y) => x + y, 0), 0);
          await enterContext(m, ctx, cpus);
          const churn = o.churn && s.name !== "off" && k > 0 ? startChurn(m, tpId) : undefined;
          await m.runAll(s.loop, [Math.max(1, Math.floor(iterations / 10)), tpId, 0], { cpus, barrier: true });
          const samples: number[][] = cpus.map(() => []);
          for (let r = 0; r < reps; r++) {
            const res = await m.runAll(s.loop, [iterations, tpId, 0], { cpus, barrier: true });
            res.forEach((x, i) => samples[i].push(x.elapsedNs / iterations));
          }
          const churnUpdates = churn ? await churn.stop() : 0;
          await leaveContext(m, ctx, cpus);
          const usage1 = cpus.reduce((a, c) => a + Object.values(m.usageErrors(c)).reduce((x, y) => x + y, 0), 0);
          const medians = samples.map((x) => summarize(x).median);
          const all = samples.flat();
          const ns: Summary = { ...summarize(medians), min: Math.min(...all), max: Math.max(...all), n: reps };
          rows.push({
            strategy: s.name, standsFor: s.standsFor, context: ctx, probes: s.name === "off" ? 0 : k, scope,
            safe: s.contexts.includes(ctx), nsPerCall: ns,
            cyclesPerCall: { median: ns.median * ghz.median, min: ns.min * ghz.median, max: ns.max * ghz.median, n: ns.n },
            ops, modeledCycles: modeledCycles(ops, profile),
            usageErrorsPerCall: (usage1 - usage0) / ((reps + 0.1) * iterations * cpus.length),
            churnUpdates,
          });
        }
      }
    }
  }
  o.onProgress?.(total, total, "the host probe");
  const hostTp = m.tracepoints.define("bench_host_probe");
  hostTp.register("host", 0);
  const timeLoop = async (tpId: number, n: number) => {
    await m.run(0, "trace_loop_plain", [Math.max(1, n / 10), tpId, 0]);
    const ns: number[] = [];
    for (let r = 0; r < reps; r++) ns.push((await m.run(0, "trace_loop_plain", [n, tpId, 0])).elapsedNs / n);
    return summarize(ns);
  };
  const hostN = Math.max(1, Math.floor(iterations / 20));
  const hostProbe = { nsPerCall: await timeLoop(hostTp.id, hostN), emptyProbeNsPerCall: await timeLoop(tps[1], hostN) };
  o.onProgress?.(total, total, "done");
  const cores = m.platform.cores();
  return {
    schema: "rcu-lab/bench@1", cpus: m.cpus, cores, oversubscribed: m.cpus > cores, ghz,
    profile: { name: profile.name, source: profile.source }, iterations, reps, churn: o.churn ?? false, rows, hostProbe,
  };
}
