// npm run bench -- strategies: the strategy table with one empty probe (task and idle, 1
// CPU and all CPUs) beside native C stand-ins of the same sequences run on this machine
// in the same run (bench/native/tracepoint.c), without and with irq save/restore, and the
// reference's native figures. Modeled cycles are ranked against the reference's order.
import Table from "cli-table3";
import fs from "node:fs";
import { parseProfile, SHIPPED_PROFILE_URL } from "../bindings/experiments/costs.js";
import { Machine } from "../bindings/machine/machine.js";
import { nodePlatform } from "../bindings/platform/node.js";
import { progressLine } from "../bindings/cli/progress.js";
import { formatSummary } from "../bindings/experiments/stats.js";
import { runStrategyBench, type StrategyReport } from "../bindings/experiments/strategy-bench.js";
import { strategy } from "../bindings/experiments/strategy-table.js";
import { NATIVE_ONE_PROBE_NS } from "../bindings/cli/render-strategies.js";
import { runNativeTracepoint, type NativeTracepointResult } from "./native.js";

export async function benchStrategies(): Promise<{ report: StrategyReport; native: NativeTracepointResult | { unavailable: string } }> {
  process.stderr.write("native C tracepoint sequences (1e7 calls x 5, with and without pushf/popf)...\n");
  const native = runNativeTracepoint(10_000_000, 5);
  const profile = parseProfile(fs.readFileSync(SHIPPED_PROFILE_URL, "utf8"), SHIPPED_PROFILE_URL.pathname);
  const m = await Machine.create({ cpus: nodePlatform.cores(), platform: nodePlatform });
  const counting = await Machine.create({ cpus: 1, platform: nodePlatform, build: "counting" });
  try {
    const report = await runStrategyBench(m, counting, profile, { probes: [1], reps: 7, iterations: 2_000_000, onProgress: progressLine() });
    return { report, native };
  } finally {
    await Promise.all([m.close(), counting.close()]);
  }
}

export function renderStrategiesBench({ report: r, native }: Awaited<ReturnType<typeof benchStrategies>>): string {
  const out: string[] = [];
  out.push(`strategies, one empty probe: ${r.cpus} CPUs on ${r.cores} cores, ${r.iterations.toLocaleString("en-US")} calls x ${r.reps}; ns per call, median [min-max]; clock ${r.ghz.median.toFixed(2)} GHz`);
  const nat = "withoutIrqSave" in native ? native : undefined;
  out.push(nat ? `native here: ${nat.compiler}, pinned to core 0, user-mode stand-ins` : `native here: ${(native as { unavailable: string }).unavailable}`);
  const t = new Table({
    head: ["strategy", "context", "wasm 1 CPU", "native here, no irq save", "wasm / native", "native here, pushf/popf", "native ref.", "modeled cycles", "wasm all CPUs"],
    style: { head: [], border: [], compact: true },
  });
  for (const row of r.rows.filter((x) => x.scope === "1 CPU")) {
    const all = r.rows.find((x) => x.strategy === row.strategy && x.context === row.context && x.scope === "all CPUs");
    const key = `${row.strategy}/${row.context}`; // each row has its own native stand-in (bench/native/tracepoint.c)
    const n = nat?.withoutIrqSave[key], n2 = nat?.withIrqSave[key];
    const ref = NATIVE_ONE_PROBE_NS[row.strategy]?.[row.context];
    t.push([
      row.strategy, row.context, formatSummary(row.nsPerCall, "ns"), n ? formatSummary(n, "ns") : "-",
      n ? `${(row.nsPerCall.median / n.median).toFixed(2)}x` : "-", n2 ? formatSummary(n2, "ns") : "-",
      ref !== undefined ? `${ref.toFixed(2)} ns` : "-", row.modeledCycles.toFixed(1), all ? formatSummary(all.nsPerCall, "ns") : "-",
    ]);
  }
  out.push(t.toString());
  const task = r.rows.filter((x) => x.scope === "1 CPU" && x.context === "task" && NATIVE_ONE_PROBE_NS[x.strategy]?.task !== undefined && strategy(x.strategy).keyEnabled);
  const byModel = [...task].sort((a, b) => a.modeledCycles - b.modeledCycles).map((x) => x.strategy);
  const byRef = [...task].sort((a, b) => NATIVE_ONE_PROBE_NS[a.strategy].task! - NATIVE_ONE_PROBE_NS[b.strategy].task!).map((x) => x.strategy);
  out.push(`task context, cheapest first: modeled cycles ${byModel.join(" < ")}; native reference ${byRef.join(" < ")}`);
  return out.join("\n");
}
