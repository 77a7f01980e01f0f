// npm run bench -- primitives: the primitive loops in WebAssembly on 1 CPU and on all
// CPUs at once, the same loops in plain TypeScript with Atomics, and native C on this
// machine, in one run. Reference figures of the machine class are shown beside them.
import Table from "cli-table3";
import { Machine } from "../bindings/machine/machine.js";
import { nodePlatform } from "../bindings/platform/node.js";
import { runPrimitives, type PrimitivesReport } from "../bindings/experiments/primitives.js";
import { progressLine } from "../bindings/cli/progress.js";
import { formatSummary } from "../bindings/experiments/stats.js";
import { runNative, type NativeResult } from "./native.js";

export interface PrimitivesBenchOptions {
  cpus?: number;
  iterations?: number;
  reps?: number;
}

export async function benchPrimitives(o: PrimitivesBenchOptions = {}): Promise<{ report: PrimitivesReport; native: NativeResult | { unavailable: string } }> {
  const iterations = o.iterations ?? 20_000_000;
  const reps = o.reps ?? 7;
  const cpus = o.cpus ?? nodePlatform.cores();
  process.stderr.write(`native C loops (${iterations} iterations x ${reps})...\n`);
  const native = await runNative(iterations, reps);
  const machine = await Machine.create({ cpus, platform: nodePlatform });
  try {
    const report = await runPrimitives(machine, { iterations, reps, onProgress: progressLine() });
    return { report, native };
  } finally {
    await machine.close();
  }
}

export function renderPrimitivesBench({ report: r, native }: Awaited<ReturnType<typeof benchPrimitives>>): string {
  const out: string[] = [];
  out.push(
    `primitives: ${r.cpus} CPUs on ${r.cores} cores, ${r.iterations.toLocaleString("en-US")} iterations per batch, ` +
      `${r.reps} repetitions; ns per operation, median [min-max]`,
  );
  if (r.oversubscribed) out.push(`WARNING: ${r.cpus} CPU workers on ${r.cores} cores: all-CPU figures include host scheduling`);
  const here = "nsPerOp" in native ? native.nsPerOp : undefined;
  out.push(here ? `native here: ${(native as NativeResult).compiler}, pinned to core 0` : `native here: ${(native as { unavailable: string }).unavailable}`);
  const t = new Table({
    head: ["primitive", "native here", "native ref.", "wasm 1 CPU", "wasm / native here", "wasm all CPUs", "JS+Atomics 1 CPU", "JS+Atomics all CPUs"],
    style: { head: [], border: [], compact: true },
  });
  const get = (n: string, impl: string, scope: string) => r.rows.find((x) => x.primitive === n && x.impl === impl && x.scope === scope);
  for (const n of [...new Set(r.rows.map((x) => x.primitive))]) {
    const w1 = get(n, "wasm", "1 CPU"), wa = get(n, "wasm", "all CPUs"), j1 = get(n, "js", "1 CPU"), ja = get(n, "js", "all CPUs");
    const nat = here?.[n];
    t.push([
      n, nat ? formatSummary(nat, "ns") : "-", `${(w1 ?? wa)!.nativeNs.toFixed(2)} ns`,
      w1 ? formatSummary(w1.nsPerOp, "ns") : "-",
      w1 && nat ? `${(w1.nsPerOp.median / nat.median).toFixed(2)}x` : "-",
      wa ? formatSummary(wa.nsPerOp, "ns") : "-",
      j1 ? formatSummary(j1.nsPerOp, "ns") : "-",
      ja ? formatSummary(ja.nsPerOp, "ns") : "-",
    ]);
  }
  if (here?.mfence) t.push(["mfence (for scale)", formatSummary(here.mfence, "ns"), "19.70 ns", "not emitted", "-", "-", "-", "-"]);
  out.push(t.toString());
  out.push(`native ref.: ${r.nativeSource}`);
  if (here) {
    const n = native as NativeResult;
    const ghz = 1 / n.nsPerOp["loop baseline"].median; // the empty loop: about one cycle per iteration
    out.push(
      `native here, in a sequence (the cost model's input: one op inside generic filler work of ${n.fillerNs.toFixed(2)} ns, marginal ns; ` +
        `cycles at ${ghz.toFixed(2)} GHz, the empty loop taken as one cycle): ` +
        Object.entries(n.inSequenceNs).map(([k, v]) => `${k} ${v.toFixed(2)} ns (${(v * ghz).toFixed(1)} cycles)`).join(", "),
    );
  }
  return out.join("\n");
}
