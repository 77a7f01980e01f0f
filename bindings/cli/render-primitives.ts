// Terminal rendering of reports: every number with its unit and its spread.
import Table from "cli-table3";
import type { PrimitivesReport } from "../experiments/primitives.js";
import { formatSummary } from "../experiments/stats.js";

const pct = (x: number, ref: number) => `${x >= ref ? "+" : ""}${(((x - ref) / ref) * 100).toFixed(0)}%`;

export function renderPrimitives(r: PrimitivesReport): string {
  const out: string[] = [];
  out.push(
    `rcu-lab primitives: ${r.cpus} CPU${r.cpus > 1 ? "s" : ""} on ${r.cores} core${r.cores > 1 ? "s" : ""}, ${r.build} build, ` +
      `${r.iterations.toLocaleString("en-US")} iterations per batch, ${r.reps} repetitions`,
  );
  if (r.oversubscribed) {
    out.push(`WARNING: ${r.cpus} CPU workers on ${r.cores} cores: the all-CPUs figures measure the host scheduler too`);
  }
  out.push("ns per operation: median [min-max] over the repetitions; 'all CPUs' = every CPU at once, median over CPUs");
  const summary = new Table({
    head: ["primitive", "kernel x86-64", "native ns", "wasm 1 CPU", "wasm vs native", "wasm all CPUs", "JS+Atomics 1 CPU", "JS / wasm"],
    style: { head: [], border: [], compact: true },
  });
  const find = (name: string, impl: string, scope: string) =>
    r.rows.find((x) => x.primitive === name && x.impl === impl && x.scope === scope);
  const names = [...new Set(r.rows.map((x) => x.primitive))];
  for (const n of names) {
    const w1 = find(n, "wasm", "1 CPU"), wa = find(n, "wasm", "all CPUs"), j1 = find(n, "js", "1 CPU");
    const any = w1 ?? wa ?? j1!;
    summary.push([
      n, any.kernel, Number.isNaN(any.nativeNs) ? "-" : `${any.nativeNs.toFixed(2)} ns`,
      w1 ? formatSummary(w1.nsPerOp, "ns") : "-",
      w1 && !Number.isNaN(any.nativeNs) ? pct(w1.nsPerOp.median, any.nativeNs) : "-",
      wa ? formatSummary(wa.nsPerOp, "ns") : "-",
      j1 ? formatSummary(j1.nsPerOp, "ns") : "-",
      w1 && j1 ? `${(j1.nsPerOp.median / w1.nsPerOp.median).toFixed(1)}x` : "-",
    ]);
  }
  out.push(summary.toString());

  const allRows = r.rows.filter((x) => x.scope === "all CPUs");
  if (allRows.length) {
    out.push(`per CPU, all ${r.cpus} CPUs running at once (ns per operation, median [min-max]):`);
    const perCpu = new Table({
      head: ["primitive", "impl", ...Array.from({ length: r.cpus }, (_, c) => `CPU ${c}`)],
      style: { head: [], border: [], compact: true },
    });
    for (const x of allRows) perCpu.push([x.primitive, x.impl === "js" ? "JS+Atomics" : "wasm", ...x.perCpu.map((c) => formatSummary(c.nsPerOp, "ns"))]);
    out.push(perCpu.toString());
  }
  out.push(`native: ${r.nativeSource}`);
  return out.join("\n");
}
