// The strategy table measured: every strategy x context x probes attached, on 1 CPU and
// all CPUs at once, with its four costs: ns per call (the one measurement loop), calibrated
// cycles, exact op counts (counting build), modeled cycles (op counts x cost profile).
import { OP_KINDS, type OpKind } from "../abi/constants.js";
import type { Machine } from "../machine/machine.js";
import { checkMaxSpread, clockSpread, measureGhz, type ClockSpread } from "./calibrate.js";
import { modeledCycles, type CostProfile } from "./costs.js";
import { modelInputValues, sensitivity, type ModelInputValue, type Sensitivity } from "./model-inputs.js";
import { checkIterations, measure } from "./measure.js";
import { startChurn } from "./churn.js";
import { summarize, type Summary } from "./stats.js";
import { acrossInstances, INSTANCE_SPREAD_LIMIT } from "./code-instances.js";
import { safetyOf, type SafetyReport } from "./safety.js";
import { STRATEGIES, strategy, type BenchContext, type Strategy } from "./strategy-table.js";
import { PROBE_KINDS, type ProbeKind } from "./tp-torture.js";

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
  /**
   * Whether the strategy is safe in this context with every probe kind, from the safety
   * table's torture verdicts (results/safety.json); null: the table has no such cell.
   */
  safe: boolean | null;
  /** Per probe kind ("empty": probes that use no RCU; "rcu": a probe that takes rcu_read_lock()). */
  safeByProbes: Partial<Record<ProbeKind, boolean>>;
  /**
   * ns per call. Over one machine: median [min-max] over the repetitions. Over several code
   * instances (runStrategyBench given several machines): the median of the instances' medians,
   * min and max over those medians, n = instances; each instance's own figure is in `instances`.
   */
  nsPerCall: Summary;
  /** Each code instance's figure (median [min-max] over its repetitions), in machine order. */
  instances: Summary[];
  /** Each code instance's cycles per call, as `instances`. */
  instanceCycles: Summary[];
  /**
   * (max - min) / median of the instances' median cycles per call: how far the code's
   * placement moves this figure once the clock's movement is taken out.
   */
  instanceSpread: number;
  /**
   * Cycles per call: each timed batch's ns x the clock measured beside it (measure()'s
   * clockBeside), summarized over repetitions and instances as nsPerCall is. The clock moves
   * (turbo, the host's load); ns follow it, these do not.
   */
  cyclesPerCall: Summary;
  /** The clock beside this row's batches, GHz: median of the instances' medians, min and max over all. */
  ghzBeside: Summary;
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
  /** The safety table the `safe` column is read from (the CLI passes results/safety.json). */
  safety?: SafetyReport;
  /** The clock in GHz over batches, when the caller measured it already (default: measured here, measureGhz). */
  ghz?: Summary;
  /** The clock is unsteady, and the report says so, when max/min over its batches exceeds this (default DEFAULT_MAX_SPREAD, calibrate's). */
  maxSpread?: number;
  onProgress?: (done: number, total: number, what: string) => void;
}

function safeColumn(r: SafetyReport | undefined, name: string, ctx: BenchContext): { safe: boolean | null; safeByProbes: Partial<Record<ProbeKind, boolean>> } {
  const by = safetyOf(r, name, ctx);
  // Safe only when every probe kind was decided safe; unsafe when one was decided unsafe; a
  // kind with no decided cell (missing, or INCONCLUSIVE: null) leaves the row undecided.
  const v = PROBE_KINDS.map((k) => by[k]);
  return { safe: v.includes(false) ? false : v.every((x) => x === true) ? true : null, safeByProbes: by };
}

export interface StrategyReport {
  schema: "rcu-lab/bench@1";
  cpus: number;
  cores: number;
  oversubscribed: boolean;
  ghz: Summary;
  /** The clock's spread and whether it is steady (calibrate's rule, clockSpread); `warning` when not. */
  clock: ClockSpread;
  profile: { name: string; source: string };
  iterations: number;
  reps: number;
  /** Independently compiled code instances each figure was measured on (see StrategyRow.instances). */
  instances: number;
  /** A row whose instanceSpread exceeds this is marked as one a second invocation may not repeat. */
  instanceSpreadLimit: number;
  churn: boolean;
  rows: StrategyRow[];
  /** The costs modeled cycles rest on that nothing here executes, with their sources (model-inputs.ts). */
  modelInputs: ModelInputValue[];
  /** The orderings of the rows by modeled cycles (per context and probes) that change when each input is halved or doubled. */
  sensitivity: Sensitivity[];
  /** The host probe (calls back into JavaScript): plain, task context, one probe, 1 CPU. */
  hostProbe: { nsPerCall: Summary; emptyProbeNsPerCall: Summary };
}

function checkList<T extends string | number>(what: string, got: readonly T[] | undefined, allowed: readonly T[]): readonly T[] {
  if (!got) return allowed;
  for (const g of got) if (!allowed.includes(g)) throw new RangeError(`unknown ${what} '${g}'; expected one of: ${allowed.join(", ")}`);
  if (got.length === 0) throw new RangeError(`${what}: choose at least one of ${allowed.join(", ")}`);
  const twice = [...new Set(got.filter((g, i) => got.indexOf(g) !== i))];
  if (twice.length) throw new RangeError(`${what} ${twice.map((t) => `'${t}'`).join(", ")} given more than once (${got.join(",")}); each is measured once: list it once`);
  return got;
}

/**
 * Every strategy x context x probes attached, on 1 CPU and all CPUs at once (release
 * machine `m`, or several machines of the same CPU count, each an independently compiled
 * code instance: Machine.create({ codeInstance })), with op counts from the counting
 * machine `counting` and modeled cycles from `profile`.
 */
export async function runStrategyBench(machines: Machine | readonly Machine[], counting: Machine, profile: CostProfile, o: StrategyBenchOptions = {}): Promise<StrategyReport> {
  const ms: readonly Machine[] = Array.isArray(machines) ? machines : [machines as Machine];
  if (ms.length === 0) throw new RangeError("runStrategyBench needs at least one release machine");
  const m = ms[0];
  const odd = ms.find((x) => x.cpus !== m.cpus || x.build !== "release");
  if (odd) throw new RangeError(`every machine of runStrategyBench must be a release machine of ${m.cpus} CPU(s); got one of the ${odd.build} build with ${odd.cpus}`);
  const names = checkList("strategy", o.strategies, STRATEGIES.map((s) => s.name));
  const contexts = checkList("context", o.contexts, ["task", "idle"] as BenchContext[]);
  const probes = checkList("probe count", o.probes, [0, 1, 3]);
  const scopes = checkList("scope", o.scopes, m.cpus > 1 ? (["1 CPU", "all CPUs"] as const) : (["1 CPU"] as const));
  const iterations = o.iterations ?? 1_000_000;
  const reps = o.reps ?? 5;
  checkIterations(iterations, reps);
  const tpsOf = ms.map((x) => defineBenchTracepoints(x));
  const tpsCounting = defineBenchTracepoints(counting);
  const maxSpread = checkMaxSpread(o.maxSpread);
  const ghz = o.ghz ?? (await measureGhz(m));
  const clock = clockSpread(ghz, maxSpread);
  // A strategy whose static key is disabled ("off") never reaches its probes: it is measured
  // once per context and scope, over the tracepoint with no probes, whatever `probes` asks.
  const probesOf = (s: Strategy): readonly number[] => (s.keyEnabled ? probes : [0]);
  const specs: { s: Strategy; ctx: BenchContext; k: number; scope: "1 CPU" | "all CPUs"; ops: Record<OpKind, number> }[] = [];
  for (const name of names) {
    const s = strategy(name);
    for (const ctx of contexts) {
      for (const k of probesOf(s)) {
        const ops = await opCountsPerCall(counting, s, ctx, tpsCounting[k]);
        for (const scope of scopes) specs.push({ s, ctx, k, scope, ops });
      }
    }
  }
  // Instance by instance, every row in each: a burst of load from elsewhere then lands on
  // consecutive rows of one instance (each row keeps its other instances), not on every
  // instance of one row.
  const per: Summary[][] = specs.map(() => []), perCycles: Summary[][] = specs.map(() => []), perGhz: Summary[][] = specs.map(() => []);
  const churnUpdates = specs.map(() => 0), usage = specs.map(() => 0);
  const total = specs.length * ms.length;
  for (const [i, x] of ms.entries()) {
    for (const [j, { s, ctx, k, scope }] of specs.entries()) {
      o.onProgress?.(i * specs.length + j, total, `${s.name}, ${ctx}, ${k} probe(s), ${scope}${ms.length > 1 ? `, code instance ${i + 1} of ${ms.length}` : ""}`);
      const cpus = scope === "1 CPU" ? [0] : [...Array(m.cpus).keys()];
      await enterContext(x, ctx, cpus);
      const churn = o.churn && s.keyEnabled && k > 0 ? startChurn(x, tpsOf[i][k]) : undefined;
      const r = await measure(x, { command: s.loop, args: [tpsOf[i][k], 0], iterations, reps, cpus, clockBeside: true });
      churnUpdates[j] += churn ? await churn.stop() : 0;
      await leaveContext(x, ctx, cpus);
      per[j].push(r.nsPerOp);
      perCycles[j].push(r.cyclesPerOp!);
      perGhz[j].push(r.ghzBeside!);
      usage[j] += r.usageErrorsPerCall / ms.length;
    }
  }
  const rows: StrategyRow[] = specs.map(({ s, ctx, k, scope, ops }, j) => {
    const ns = acrossInstances(per[j]).nsPerCall;
    // The instances' spread in cycles: the clock's movement over the run taken out, what is
    // left is where the code was placed (and noise).
    const { nsPerCall: cycles, instanceSpread } = acrossInstances(perCycles[j]);
    return {
      strategy: s.name, standsFor: s.standsFor, context: ctx, probes: k, scope,
      ...safeColumn(o.safety, s.name, ctx), nsPerCall: ns, instances: per[j], instanceCycles: perCycles[j], instanceSpread,
      cyclesPerCall: cycles,
      ghzBeside: { ...summarize(perGhz[j].map((g) => g.median)), min: Math.min(...perGhz[j].map((g) => g.min)), max: Math.max(...perGhz[j].map((g) => g.max)) },
      ops, modeledCycles: modeledCycles(ops, profile), usageErrorsPerCall: usage[j], churnUpdates: churnUpdates[j],
    };
  });
  o.onProgress?.(total, total, "the host probe");
  const hostTp = m.tracepoints.define("bench_host_probe");
  hostTp.register("host", 0);
  const plain = strategy("plain");
  const timeLoop = async (tpId: number, n: number) => (await measure(m, { command: plain.loop, args: [tpId, 0], iterations: n, reps, cpus: [0] })).nsPerOp;
  const hostN = Math.max(1, Math.floor(iterations / 20));
  const hostProbe = { nsPerCall: await timeLoop(hostTp.id, hostN), emptyProbeNsPerCall: await timeLoop(tpsOf[0][1], hostN) };
  o.onProgress?.(total, total, "done");
  const cores = m.platform.cores();
  return {
    schema: "rcu-lab/bench@1", cpus: m.cpus, cores, oversubscribed: m.cpus > cores, ghz, clock,
    profile: { name: profile.name, source: profile.source }, iterations, reps, instances: ms.length, instanceSpreadLimit: INSTANCE_SPREAD_LIMIT,
    churn: o.churn ?? false, rows, modelInputs: modelInputValues(profile), sensitivity: sensitivity(rows, profile), hostProbe,
  };
}
