// npm run bench -- rcu: read-side cost of each RCU flavor (1 CPU and all CPUs at once),
// and grace-period latency of synchronize_rcu(), _expedited() and synchronize_srcu()
// (SRCU and SRCU-fast) with the CPUs idle and with the CPUs busy reading.
import Table from "cli-table3";
import { Machine } from "../bindings/machine/machine.js";
import { nodePlatform } from "../bindings/platform/node.js";
import { runPrimitives, type Primitive, type PrimitivesReport } from "../bindings/experiments/primitives.js";
import { progressLine } from "../bindings/cli/progress.js";
import { formatSummary, summarize, type Summary } from "../bindings/experiments/stats.js";

const FAST_SSP_NAME = "bench_fast";

function readSides(fastSsp: number): Primitive[] {
  return [
    { name: "rcu_read_lock_sched", kernel: "preempt_disable + enable", wasm: "bench_rcu_read_sched", nativeNs: NaN },
    { name: "srcu_read_lock", kernel: "inc; smp_mb B ... smp_mb C; inc", wasm: "bench_srcu_read", nativeNs: NaN, args: () => [0] },
    { name: "srcu_read_lock_fast", kernel: "inc Y; barrier ... barrier; inc Z", wasm: "bench_srcu_fast_read", nativeNs: NaN, args: () => [fastSsp] },
  ];
}

export interface LatencyRow {
  what: string;
  load: "idle" | "busy";
  /** Microseconds from the request to the wake-up of the waiter. */
  us: Summary;
}

async function timeIt(n: number, fn: () => Promise<void>, pauseMs: number): Promise<Summary> {
  const us: number[] = [];
  for (let i = 0; i < n; i++) {
    await new Promise((r) => setTimeout(r, pauseMs));
    const t0 = performance.now();
    await fn();
    us.push((performance.now() - t0) * 1000);
  }
  return summarize(us);
}

export async function benchRcu(o: { reps?: number; iterations?: number; samples?: number } = {}) {
  const cores = nodePlatform.cores();
  const cpus = Math.max(1, cores - 1); // latency runs: leave a core for the kthread and the host
  const m = await Machine.create({ cpus, platform: nodePlatform });
  try {
    const fast = m.initSrcu(FAST_SSP_NAME, "srcu-fast");
    const readSide: PrimitivesReport = await runPrimitives(m, {
      primitives: readSides(fast.index), iterations: o.iterations ?? 10_000_000, reps: o.reps ?? 5, impls: ["wasm"],
      scopes: cpus > 1 ? undefined : ["1 CPU"], onProgress: progressLine(),
    });
    const samples = o.samples ?? 30;
    const rows: LatencyRow[] = [];
    const tp = m.srcu("tracepoint_srcu");
    const cases: [string, () => Promise<void>, "rcu" | "srcu" | "fast"][] = [
      ["synchronize_rcu()", () => m.rcu.synchronize(), "rcu"],
      ["synchronize_rcu_expedited()", () => m.rcu.synchronize({ expedited: true }), "rcu"],
      ["synchronize_srcu(&tracepoint_srcu)", () => tp.synchronize(), "srcu"],
      ["synchronize_srcu_expedited(&tracepoint_srcu)", () => tp.synchronize({ expedited: true }), "srcu"],
      ["synchronize_srcu(&srcu-fast)", () => fast.synchronize(), "fast"],
    ];
    for (const [what, fn, kind] of cases) {
      process.stderr.write(`latency: ${what}, CPUs idle\n`);
      rows.push({ what, load: "idle", us: await timeIt(samples, fn, 2) });
      process.stderr.write(`latency: ${what}, CPUs busy reading\n`);
      // Every CPU runs read-side sections of ~2 us with a scheduling point after each.
      const busy = m.runAll(kind === "rcu" ? "bench_rcu_busy" : "bench_srcu_busy", kind === "rcu" ? [4_000_000, 2000] : [4_000_000, 2000, kind === "srcu" ? 0 : fast.index], { deadlineMs: 120_000 });
      await new Promise((r) => setTimeout(r, 20));
      rows.push({ what, load: "busy", us: await timeIt(samples, fn, 2) });
      await busy;
    }
    return { cpus, cores, readSide, latency: rows, samples, timing: m.timing };
  } finally {
    await m.close();
  }
}

export function renderRcuBench(r: Awaited<ReturnType<typeof benchRcu>>): string {
  const out: string[] = [];
  out.push(`RCU read side: ${r.cpus} CPU(s) on ${r.cores} cores, ns per lock+unlock pair, median [min-max] over ${r.readSide.reps} repetitions of ${r.readSide.iterations.toLocaleString("en-US")}`);
  const t = new Table({ head: ["read side", "kernel", "1 CPU", "all CPUs at once"], style: { head: [], border: [], compact: true } });
  for (const name of [...new Set(r.readSide.rows.map((x) => x.primitive))]) {
    const one = r.readSide.rows.find((x) => x.primitive === name && x.scope === "1 CPU");
    const all = r.readSide.rows.find((x) => x.primitive === name && x.scope === "all CPUs");
    t.push([name, one?.kernel ?? "", one ? formatSummary(one.nsPerOp, "ns") : "-", all ? formatSummary(all.nsPerOp, "ns") : "-"]);
  }
  out.push(t.toString());
  out.push(`grace-period latency: ${r.samples} samples each, us from request to wake-up, median [min-max]; ${r.cpus} CPU(s) (cores - 1), "busy" = every CPU in back-to-back ~2 us read-side sections`);
  const T = r.timing;
  out.push(
    `kernel timing (v5.6 at HZ=${T.hz}, 1 jiffy = ${T.jiffyUs} us): first FQS after ${T.jiffiesTillFirstFqs} jiffies, then every ${T.jiffiesTillNextFqs}; ` +
      `SRCU work queued ${T.srcuIntervalJiffies} jiffy after the start and between scans (0 when expedited), udelay(${T.srcuRetryCheckDelayUs}) between checks`,
  );
  const l = new Table({ head: ["grace period", "CPUs idle", "CPUs busy"], style: { head: [], border: [], compact: true } });
  for (const what of [...new Set(r.latency.map((x) => x.what))]) {
    const idle = r.latency.find((x) => x.what === what && x.load === "idle")!;
    const busy = r.latency.find((x) => x.what === what && x.load === "busy")!;
    l.push([what, formatSummary(idle.us, "us", 1), formatSummary(busy.us, "us", 1)]);
  }
  out.push(l.toString());
  out.push("for orientation, liburcu on this machine class (one reader thread): synchronize_rcu about 0.25 us (mb flavor), 18 us (membarrier flavor)");
  return out.join("\n");
}
