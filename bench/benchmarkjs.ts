// npm run bench -- benchmarkjs: single-CPU per-op figures with Benchmark.js. One CPU is
// instantiated in this thread (no workers); each Benchmark.js call runs a batch of BATCH
// operations inside WebAssembly, and figures are divided by BATCH.
import Benchmark from "benchmark";
import Table from "cli-table3";
import { createLocalCpu } from "../bindings/machine/local-cpu.js";
import { nodePlatform } from "../bindings/platform/node.js";
import { summarize } from "../bindings/experiments/stats.js";
import { STRATEGIES } from "../bindings/experiments/strategy-table.js";

const BATCH = 10_000;

type Fn = (...a: number[]) => number;

export interface BenchmarkJsRow {
  name: string;
  /** ns per operation over Benchmark.js's samples: median, min, max, samples. */
  nsPerOp: ReturnType<typeof summarize>;
  /** Benchmark.js relative margin of error of the mean, in %. */
  rmePct: number;
}

export async function benchmarkJs(maxTimeS = 2, withStrategies = true): Promise<BenchmarkJsRow[]> {
  const cpu = await createLocalCpu(nodePlatform);
  const x = cpu.exports as Record<string, Fn>;
  const probe = cpu.functionIndex("probe_empty");
  // Tracepoint 0 with one empty probe; tracepoint 1 with none (the key off, for `off`).
  x.tracepoint_probe_register(0, probe, 1, cpu.layout.TRACEPOINT_DEFAULT_PRIO);
  const strategyCases: [string, () => void][] = withStrategies
    ? STRATEGIES.flatMap((s) => {
        const tp = s.keyEnabled ? 0 : 1;
        const what = s.keyEnabled ? "1 probe" : "key disabled";
        return [
          [`${s.name} (task, ${what})`, () => x[s.loop](BATCH, tp, 0)] as [string, () => void],
          [`${s.name} (idle, ${what})`, () => (x.idle_loop_enter(), x[s.loop](BATCH, tp, 0), x.idle_loop_exit())] as [string, () => void],
        ];
      })
    : [];
  const cases: [string, () => void][] = [
    ["loop baseline", () => x.bench_empty(BATCH)],
    ["this_cpu_inc", () => x.bench_this_cpu_inc(BATCH)],
    ["atomic_add_return", () => x.bench_atomic_add_return(BATCH)],
    ["smp_mb", () => x.bench_smp_mb(BATCH)],
    ["READ_ONCE+branch", () => x.bench_read_once_branch(BATCH)],
    ["indirect call", () => x.bench_indirect_call(BATCH, probe)],
    ...strategyCases,
  ];
  const rows: BenchmarkJsRow[] = [];
  for (const [name, fn] of cases) {
    process.stderr.write(`Benchmark.js [${rows.length + 1}/${cases.length}]: ${name} (about ${maxTimeS} s)\n`);
    const b = new Benchmark(name, fn, { maxTime: maxTimeS, minSamples: 10 });
    b.run({ async: false });
    if (b.error) throw b.error;
    rows.push({ name, nsPerOp: summarize(b.stats.sample.map((s) => (s * 1e9) / BATCH)), rmePct: b.stats.rme });
  }
  return rows;
}

export function renderBenchmarkJs(rows: BenchmarkJsRow[]): string {
  const t = new Table({ head: ["primitive or strategy (1 CPU, Benchmark.js)", "ns per op: median [min-max]", "samples", "rme"], style: { head: [], border: [], compact: true } });
  for (const r of rows) {
    t.push([r.name, `${r.nsPerOp.median.toFixed(2)} ns [${r.nsPerOp.min.toFixed(2)}-${r.nsPerOp.max.toFixed(2)}]`, String(r.nsPerOp.n), `±${r.rmePct.toFixed(2)}%`]);
  }
  return `Benchmark.js, batches of ${BATCH} operations inside WebAssembly, one CPU in the main thread (ns per operation or per tracepoint call; idle rows include the idle entry/exit once per batch)\n${t.toString()}`;
}
