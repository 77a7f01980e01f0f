// npm run bench -- strategies: the strategy table with one empty probe (task and idle, 1
// CPU and all CPUs) beside native C stand-ins of the same sequences run on this machine
// in the same run (bench/native/tracepoint.c), without and with irq save/restore, and the
// reference's native figures. Modeled cycles are ranked against the reference's order.
import Table from "cli-table3";
import fs from "node:fs";
import type { OpKind } from "../bindings/abi/constants.js";
import { modeledCycles, parseProfile, SHIPPED_PROFILE_URL, type CostProfile } from "../bindings/experiments/costs.js";
import { Machine } from "../bindings/machine/machine.js";
import { nodePlatform } from "../bindings/platform/node.js";
import { progressLine } from "../bindings/cli/progress.js";
import { formatSummary } from "../bindings/experiments/stats.js";
import { runStrategyBench, type StrategyReport } from "../bindings/experiments/strategy-bench.js";
import { strategy } from "../bindings/experiments/strategy-table.js";
import { NATIVE_ONE_PROBE_NS } from "../bindings/cli/render-strategies.js";
import { runNative, runNativeTracepoint, type NativeResult, type NativeTracepointResult } from "./native.js";
import { renderSpeed, runSpeedComparison, type SpeedReport } from "./speed.js";

/** Op kinds that are single, non-serializing instructions: in a sequence they overlap with their neighbours. */
export const LIGHT_OPS: readonly OpKind[] = ["read_once", "write_once", "this_cpu_rmw", "branch", "store_release"];

/**
 * The cost profile of this machine from the native primitive loops of this run
 * (bench/native/primitives.c), in cycles at `ghz`: back-to-back costs of the loops that
 * exist, in-sequence costs of every op the loops place in filler work and of the light ops
 * (the filler's own cost per op); the rest from `base`.
 */
export function profileFromNative(base: CostProfile, n: NativeResult, ghz: number): CostProfile {
  const c = (ns: number) => ns * ghz;
  const b2b = (name: string) => c(n.nsPerOp[name].median);
  const cyclesPerOp = { ...base.cyclesPerOp };
  const set = (k: OpKind, v: number) => (cyclesPerOp[k] = Math.max(v, 0.01));
  set("write_once", b2b("loop baseline"));
  set("this_cpu_rmw", b2b("this_cpu_inc"));
  set("atomic_rmw", b2b("atomic_add_return"));
  set("smp_mb", b2b("smp_mb"));
  set("read_once", b2b("READ_ONCE+branch") / 2);
  set("branch", b2b("READ_ONCE+branch") / 2);
  set("indirect_call", b2b("indirect call"));
  const inSeq: Partial<Record<OpKind, number>> = {};
  const inSeqSources: Partial<Record<OpKind, string>> = {};
  for (const [k, ns] of Object.entries(n.inSequenceNs)) {
    inSeq[k as OpKind] = Math.max(0, c(ns));
    inSeqSources[k as OpKind] = `bench/native/primitives.c in this run: (filler + ${k}) - filler, median, at ${ghz.toFixed(2)} GHz`;
  }
  // Light ops overlap in a sequence: each costs what one costs inside the filler.
  const light = c(n.fillerNs) / n.fillerOps;
  for (const k of LIGHT_OPS) {
    inSeq[k] = light;
    inSeqSources[k] = `bench/native/primitives.c in this run: the filler alone / its ${n.fillerOps} light ops, at ${ghz.toFixed(2)} GHz`;
  }
  return { ...base, name: "native-here", source: `native primitive loops of this run (${n.compiler})`, ghz, cyclesPerOp, inSequence: { cyclesPerOp: inSeq, sources: inSeqSources } };
}

/** The model checked against the native stand-in of the same row (measured here, fitted to nothing). */
export interface ModelCheckRow {
  strategy: string;
  context: string;
  /** Op counts x the cost profile made from this run's native primitive loops. */
  modeledCycles: number;
  /**
   * The native stand-in in cycles (ns less the harness's, x the clock measured in the run),
   * with irq save/restore when the row has them.
   */
  nativeCycles: number;
  nativeVariant: "pushf/popf" | "no irq save";
  /** modeled / native - 1. */
  error: number;
}

export interface ModelCheck {
  rows: ModelCheckRow[];
  /** Median and largest |error| over the rows. */
  medianAbsError: number;
  worstAbsError: number;
  worst: string;
}

/**
 * The model's error on each row: modeled cycles (op counts x `profile`) against the native
 * stand-in of the same sequence in this run.
 */
export function checkModel(r: StrategyReport, native: NativeTracepointResult | { unavailable: string }, profile: CostProfile | undefined): ModelCheck | { unavailable: string } {
  if (!("withoutIrqSave" in native)) return native;
  if (!profile) return { unavailable: "no native primitive loops in this run (the model's inputs)" };
  const rows: ModelCheckRow[] = [];
  for (const row of r.rows.filter((x) => x.scope === "1 CPU")) {
    const key = `${row.strategy}/${row.context}`;
    const withIrq = row.ops.irq_save > 0;
    const table = withIrq ? native.withIrqSave : native.withoutIrqSave;
    const n = table[key], harness = table[`harness/${row.context}`];
    if (!n || !harness) continue;
    // Less the harness: the stand-in loop's own indirect call of the strategy function,
    // which the emulation's loop (trace_X inlined) does not make.
    const nativeCycles = (n.median - harness.median) * r.ghz.median;
    const modeled = modeledCycles(row.ops, profile);
    rows.push({ strategy: row.strategy, context: row.context, modeledCycles: modeled, nativeCycles, nativeVariant: withIrq ? "pushf/popf" : "no irq save", error: modeled / nativeCycles - 1 });
  }
  if (!rows.length) return { unavailable: "no row has a native stand-in" };
  const abs = rows.map((x) => Math.abs(x.error)).sort((a, b) => a - b);
  const mid = abs.length >> 1;
  const worst = rows.reduce((w, x) => (Math.abs(x.error) > Math.abs(w.error) ? x : w));
  return {
    rows, medianAbsError: abs.length % 2 ? abs[mid] : (abs[mid - 1] + abs[mid]) / 2, worstAbsError: abs[abs.length - 1],
    worst: `${worst.strategy}/${worst.context}`,
  };
}

export async function benchStrategies(): Promise<{
  report: StrategyReport; native: NativeTracepointResult | { unavailable: string }; nativeProfile: CostProfile | { unavailable: string }; model: ModelCheck | { unavailable: string };
  speed: SpeedReport | { unavailable: string };
}> {
  process.stderr.write("native C primitive loops (the model's inputs) and tracepoint sequences (1e7 calls x 5, with and without pushf/popf)...\n");
  const nativePrimitives = await runNative(10_000_000, 5);
  const native = await runNativeTracepoint(10_000_000, 5);
  const profile = parseProfile(fs.readFileSync(SHIPPED_PROFILE_URL, "utf8"), SHIPPED_PROFILE_URL.pathname);
  const m = await Machine.create({ cpus: nodePlatform.cores(), platform: nodePlatform });
  const counting = await Machine.create({ cpus: 1, platform: nodePlatform, build: "counting" });
  try {
    // wasm against native in alternating rounds first (bench/speed.ts): the per-row ratios
    const speed = await runSpeedComparison(m);
    const report = await runStrategyBench(m, counting, profile, { probes: [1], reps: 7, iterations: 2_000_000, onProgress: progressLine() });
    const here = "inSequenceNs" in nativePrimitives ? profileFromNative(profile, nativePrimitives, report.ghz.median) : undefined;
    return { report, native, nativeProfile: here ?? { unavailable: (nativePrimitives as { unavailable: string }).unavailable }, model: checkModel(report, native, here), speed };
  } finally {
    await Promise.all([m.close(), counting.close()]);
  }
}

export function renderStrategiesBench({ report: r, native, model, speed }: Awaited<ReturnType<typeof benchStrategies>>): string {
  const out: string[] = [renderSpeed(speed), ""];
  out.push(`strategies, one empty probe: ${r.cpus} CPUs on ${r.cores} cores, ${r.iterations.toLocaleString("en-US")} calls x ${r.reps}; ns per call, median [min-max]; clock ${r.ghz.median.toFixed(2)} GHz`);
  const nat = "withoutIrqSave" in native ? native : undefined;
  out.push(nat ? `native here: ${nat.compiler}, pinned to core 0, user-mode stand-ins` : `native here: ${(native as { unavailable: string }).unavailable}`);
  const t = new Table({
    head: ["strategy", "context", "wasm 1 CPU", "native here, no irq save", "wasm / native", "native here, pushf/popf", "native ref.", "modeled cycles: shipped profile / native here", "native cycles", "model error (native here)", "wasm all CPUs"],
    style: { head: [], border: [], compact: true },
  });
  for (const row of r.rows.filter((x) => x.scope === "1 CPU")) {
    const all = r.rows.find((x) => x.strategy === row.strategy && x.context === row.context && x.scope === "all CPUs");
    const key = `${row.strategy}/${row.context}`; // each row has its own native stand-in (bench/native/tracepoint.c)
    const n = nat?.withoutIrqSave[key], n2 = nat?.withIrqSave[key];
    const ref = NATIVE_ONE_PROBE_NS[row.strategy]?.[row.context];
    const mc = "rows" in model ? model.rows.find((x) => x.strategy === row.strategy && x.context === row.context) : undefined;
    t.push([
      row.strategy, row.context, formatSummary(row.nsPerCall, "ns"), n ? formatSummary(n, "ns") : "-",
      n ? `${(row.nsPerCall.median / n.median).toFixed(2)}x` : "-", n2 ? formatSummary(n2, "ns") : "-",
      ref !== undefined ? `${ref.toFixed(2)} ns` : "-", `${row.modeledCycles.toFixed(1)}${mc ? ` / ${mc.modeledCycles.toFixed(1)}` : ""}`,
      mc ? `${mc.nativeCycles.toFixed(1)} (${mc.nativeVariant})` : "-", mc ? `${mc.error >= 0 ? "+" : ""}${(mc.error * 100).toFixed(0)}%` : "-",
      all ? formatSummary(all.nsPerCall, "ns") : "-",
    ]);
  }
  out.push(t.toString());
  out.push(
    "rows" in model
      ? `modeled cycles vs the native stand-in of the same row (its ns less the harness's, x ${r.ghz.median.toFixed(2)} GHz; with pushf/popf where the row saves irqs): ` +
          `|error| median ${(model.medianAbsError * 100).toFixed(0)}%, worst ${(model.worstAbsError * 100).toFixed(0)}% (${model.worst}), over ${model.rows.length} rows; ` +
          "the model was fitted to none of these sequences (its inputs: bench/native/primitives.c, docs/cost-model.md)"
      : `model check: ${model.unavailable}`,
  );
  const task = r.rows.filter((x) => x.scope === "1 CPU" && x.context === "task" && NATIVE_ONE_PROBE_NS[x.strategy]?.task !== undefined && strategy(x.strategy).keyEnabled);
  const byModel = [...task].sort((a, b) => a.modeledCycles - b.modeledCycles).map((x) => x.strategy);
  const byRef = [...task].sort((a, b) => NATIVE_ONE_PROBE_NS[a.strategy].task! - NATIVE_ONE_PROBE_NS[b.strategy].task!).map((x) => x.strategy);
  out.push(`task context, cheapest first: modeled cycles ${byModel.join(" < ")}; native reference ${byRef.join(" < ")}`);
  return out.join("\n");
}
