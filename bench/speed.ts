// The emulation's speed against native C on this machine, in the same run: every
// strategy x context with one empty probe, the WebAssembly loop (assembly/tracepoint/loops.ts)
// beside the native stand-in of the same sequence in the same loop shape (bench/native/
// tracepoint.c `inline`), in alternating rounds: native, wasm, native, wasm, ... Each round
// gives one figure per row on each side (the least of a few short batches: other work on the
// machine only ever adds time), so both sides of a ratio see the same machine.
// A row is stable when the middle of its last `rounds` per-round ratios spans less than
// `tolerance`; while any row is not, the run says so and runs another round, up to
// `maxRounds`. A row still unstable then is reported as unstable, without a ratio.
import os from "node:os";
import { Machine } from "../bindings/machine/machine.js";
import { nodePlatform } from "../bindings/platform/node.js";
import { measure } from "../bindings/experiments/measure.js";
import { summarize, type Summary } from "../bindings/experiments/stats.js";
import { STRATEGIES, type BenchContext } from "../bindings/experiments/strategy-table.js";
import { percpuCompileMs } from "../bindings/machine/percpu-modules.js";
import { runNativeInline } from "./native.js";

/** The goals: wasm / native per row, added cost over plain, and the off row. */
export const GOAL_RATIO = 1.15;
export const GOAL_ADDED = 1.2;
export const GOAL_OFF = 2;
export const GOAL_ALL_CPUS = 1.1;
/** Below this many ns the native stand-in adds (over plain), an added-cost ratio means nothing. */
export const MIN_ADDED_NS = 1;

export interface SpeedRow {
  strategy: string;
  context: BenchContext;
  /** ns per call over the rounds of the window, median [min-max]. */
  wasm: Summary;
  native: Summary;
  /** Per-round wasm / native. */
  ratio: Summary;
  /** Middle of the window's per-round ratios (all but the highest and lowest), relative to the median. */
  spread: number;
  stable: boolean;
  /** Median over rounds of (row - plain) in the same round, ns; null for plain itself. */
  addedWasm: number | null;
  addedNative: number | null;
  /** addedWasm / addedNative, or null where native adds less than MIN_ADDED_NS. */
  addedRatio: number | null;
  /**
   * All CPUs at once, ns per call per CPU; the ratio: the slowest CPU's least batch of 5 to
   * CPU 0's least batch of 5 alone, measured just before.
   */
  allCpus?: Summary;
  allCpusRatio?: number;
  /** Whether the last two all-CPUs measurements agreed within 10%. */
  allCpusStable?: boolean;
  meetsRatio: boolean;
  meetsAdded: boolean | null;
}

export interface SpeedReport {
  schema: "rcu-lab/speed@1";
  compiler: string;
  cpus: number;
  iterations: number;
  batches: number;
  /** Rounds in the window the figures come from, and rounds run in all. */
  rounds: number;
  roundsRun: number;
  tolerance: number;
  stable: boolean;
  loadavg: { before: number[]; after: number[] };
  rows: SpeedRow[];
  /**
   * Native plain and rcuidle-watching (task) with the preempt count addressed as V8 addressed
   * WebAssembly memory with the base in a global ([memory start + index]) beside the stand-in's
   * own form (`kernelForm`: the kernel's instructions at %fs:disp), at the kernel's address
   * form %gs:x(%rip) (`kernelAddressForm`, the @gs-rip row, where the stand-in could set the GS
   * base), and the wasm (docs/performance.md, "Hazards of the native stand-ins").
   */
  addressing: { row: string; kernelForm: Summary; indexedForm: Summary; kernelAddressForm?: Summary; wasm: Summary }[];
  /**
   * The engine that ran the WebAssembly. V8 13 (Node 24) inlines WebAssembly calls it has seen
   * often, the probe call among them, so the loops may make no probe call there; V8 11 and 12
   * (Node 20, 22) do not (read in their --print-wasm-code, docs/performance.md).
   */
  engine: { node: string; v8: string; inlinesWasmCalls: boolean };
  /** CPU workers' modules: one per CPU, base a constant (machine/percpu-modules.ts), with patch + compile ms; or the one module. */
  cpuModules?: { specialised: boolean; compileMs: number[] };
}

export interface SpeedOptions {
  rounds?: number;
  maxRounds?: number;
  iterations?: number;
  /** Timed batches per row and round on each side; the round's figure is the least (the batch least disturbed by other work). */
  batches?: number;
  tolerance?: number;
  allCpus?: boolean;
  onProgress?: (line: string) => void;
}

const key = (s: string, c: string) => `${s}/${c}`;
/** Rows of the native stand-in with the per-CPU preempt count addressed as V8 did with the base in a global (bench/native/tracepoint.c). */
const INDEXED = ["plain@indexed/task", "rcuidle-watching@indexed/task"];
/** The same rows at the kernel's address form of the preempt count, %gs:x(%rip). */
const GS_RIP = ["plain@gs-rip/task", "rcuidle-watching@gs-rip/task"];

/** Middle spread: (second largest - second smallest) / median (the whole range below 4 values). */
export function middleSpread(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const med = summarize(s).median;
  const lo = s.length >= 4 ? s[1] : s[0], hi = s.length >= 4 ? s[s.length - 2] : s[s.length - 1];
  return (hi - lo) / med;
}

export async function runSpeedComparison(m: Machine, o: SpeedOptions = {}): Promise<SpeedReport | { unavailable: string }> {
  const rounds = o.rounds ?? 5, maxRounds = o.maxRounds ?? 4 * rounds, iterations = o.iterations ?? 500_000, tolerance = o.tolerance ?? 0.1;
  const batches = o.batches ?? 5;
  if (rounds < 3 || maxRounds < rounds) throw new RangeError(`rounds must be >= 3 and maxRounds >= rounds; got ${rounds}, ${maxRounds}`);
  const say = o.onProgress ?? ((l: string) => process.stderr.write(`${l}\n`));
  const one = m.tracepoints.define("speed_1_probe");
  one.register("empty", 1);
  const none = m.tracepoints.define("speed_0_probes");
  const rowsOf = STRATEGIES.flatMap((s) => (["task", "idle"] as BenchContext[]).map((c) => ({ s, c, tp: s.keyEnabled ? one.id : none.id })));
  const wasm = new Map<string, number[]>(), native = new Map<string, number[]>();
  const push = (mp: Map<string, number[]>, k: string, v: number) => mp.set(k, [...(mp.get(k) ?? []), v]);
  const loadBefore = os.loadavg();
  let compiler = "";
  const wasmRound = async () => {
    for (const c of ["task", "idle"] as BenchContext[]) {
      if (c === "idle") await m.runAll("idle_loop_enter", [], { cpus: [0] });
      for (const r of rowsOf.filter((x) => x.c === c)) {
        const x = await measure(m, { command: r.s.loop, args: [r.tp, 0], iterations, reps: batches, cpus: [0] });
        push(wasm, key(r.s.name, c), x.nsPerOp.min);
      }
      if (c === "idle") await m.runAll("idle_loop_exit", [], { cpus: [0] });
    }
  };
  const window = (xs: number[]) => xs.slice(-rounds);
  const ratios = (k: string) => window(wasm.get(k)!).map((w, i) => w / window(native.get(k)!)[i]);
  let run = 0, unstable: string[] = [];
  for (; run < maxRounds; run++) {
    const n = await runNativeInline(iterations, batches);
    if ("unavailable" in n) return n;
    compiler = n.compiler;
    for (const r of rowsOf) push(native, key(r.s.name, r.c), n.nsPerCall[key(r.s.name, r.c)].min);
    for (const k of [...INDEXED, ...GS_RIP]) if (n.nsPerCall[k]) push(native, k, n.nsPerCall[k].min);
    await wasmRound();
    if (run + 1 < rounds) {
      say(`speed: round ${run + 1} of at least ${rounds} (native, then wasm), load ${os.loadavg()[0].toFixed(2)}`);
      continue;
    }
    unstable = rowsOf.map((r) => key(r.s.name, r.c)).filter((k) => middleSpread(ratios(k)) > tolerance);
    if (!unstable.length) break;
    say(`speed: round ${run + 1}: ${unstable.length} row(s) not stable to ${(tolerance * 100).toFixed(0)}% (${unstable.slice(0, 4).join(", ")}${unstable.length > 4 ? ", ..." : ""}; load ${os.loadavg()[0].toFixed(2)}): the machine is noisy, another round`);
  }
  const med = (xs: number[]) => summarize(xs).median;
  const rows: SpeedRow[] = rowsOf.map(({ s, c }) => {
    const k = key(s.name, c), pk = key("plain", c);
    const w = window(wasm.get(k)!), nat = window(native.get(k)!), pw = window(wasm.get(pk)!), pn = window(native.get(pk)!);
    const isPlain = s.name === "plain", isOff = !s.keyEnabled;
    const addedWasm = isPlain || isOff ? null : med(w.map((x, i) => x - pw[i]));
    const addedNative = isPlain || isOff ? null : med(nat.map((x, i) => x - pn[i]));
    const addedRatio = addedWasm !== null && addedNative !== null && addedNative >= MIN_ADDED_NS ? addedWasm / addedNative : null;
    const ratio = summarize(ratios(k));
    return {
      strategy: s.name, context: c, wasm: summarize(w), native: summarize(nat), ratio, spread: middleSpread(ratios(k)), stable: !unstable.includes(k),
      addedWasm, addedNative, addedRatio, meetsRatio: ratio.median <= (isOff ? GOAL_OFF : GOAL_RATIO), meetsAdded: addedRatio === null ? null : addedRatio <= GOAL_ADDED,
    };
  });
  const addressing = INDEXED.filter((k) => native.has(k)).map((k) => {
    const base = k.replace("@indexed", ""), gs = native.get(k.replace("@indexed", "@gs-rip"));
    return {
      row: base, kernelForm: summarize(window(native.get(base)!)), indexedForm: summarize(window(native.get(k)!)),
      ...(gs ? { kernelAddressForm: summarize(window(gs)) } : {}), wasm: summarize(window(wasm.get(base)!)),
    };
  });
  if (o.allCpus !== false && m.cpus > 1) await allCpusColumn(m, rows, rowsOf, iterations, say);
  return {
    schema: "rcu-lab/speed@1", compiler, cpus: m.cpus, iterations, batches, rounds, roundsRun: run + (run < maxRounds ? 1 : 0), tolerance,
    stable: unstable.length === 0, loadavg: { before: loadBefore, after: os.loadavg() }, rows, addressing, engine: engine(),
  };
}

/** Per-CPU ns with every CPU running the row at once, against 1 CPU measured just before it. */
async function allCpusColumn(m: Machine, rows: SpeedRow[], rowsOf: { s: { name: string; loop: string }; c: BenchContext; tp: number }[], iterations: number, say: (l: string) => void) {
  const all = [...Array(m.cpus).keys()];
  say(`speed: all ${m.cpus} CPUs at once against 1 CPU, every row`);
  for (const c of ["task", "idle"] as BenchContext[]) {
    if (c === "idle") await m.runAll("idle_loop_enter", [], { cpus: all });
    for (const r of rowsOf.filter((x) => x.c === c)) {
      const row = rows.find((x) => x.strategy === r.s.name && x.context === c)!;
      // the slowest CPU's least disturbed batch against CPU 0's alone: false sharing or a shared
      // word slows every batch of a CPU, other work on the machine only some. Twice; again
      // (up to 4 times) while the last two disagree by more than 10%.
      const ratios: number[] = [];
      for (let k = 0; k < 4 && (k < 2 || Math.abs(ratios[k - 1] / ratios[k - 2] - 1) > 0.1); k++) {
        const solo = await measure(m, { command: r.s.loop, args: [r.tp, 0], iterations, reps: 5, cpus: [0] });
        const many = await measure(m, { command: r.s.loop, args: [r.tp, 0], iterations, reps: 5, cpus: all });
        row.allCpus = many.nsPerOp;
        ratios.push(Math.max(...many.perCpu.map((x) => x.nsPerOp.min)) / solo.nsPerOp.min);
      }
      const [a, b] = ratios.slice(-2);
      row.allCpusRatio = Math.min(a, b);
      row.allCpusStable = Math.abs(a / b - 1) <= 0.1;
    }
    if (c === "idle") await m.runAll("idle_loop_exit", [], { cpus: all });
  }
}

/** Node and V8 versions; whether V8 inlines WebAssembly calls (on by default in V8 13, off with --no-wasm-inlining). */
function engine(): SpeedReport["engine"] {
  const v8 = process.versions.v8;
  const off = process.execArgv.some((a) => /^--no-(experimental-)?wasm-inlining$/.test(a));
  return { node: process.versions.node, v8, inlinesWasmCalls: parseInt(v8, 10) >= 13 && !off };
}

const x = (v: number) => `${v.toFixed(2)}x`;
const ns = (s: Summary) => `${s.median.toFixed(2)} [${s.min.toFixed(2)}-${s.max.toFixed(2)}]`;

export function renderSpeed(r: SpeedReport | { unavailable: string }): string {
  if ("unavailable" in r) return `wasm against native here: ${r.unavailable}`;
  const out: string[] = [];
  out.push(
    `wasm against native C here (${r.compiler}), 1 CPU, one empty probe, ns per call median [min-max] over ${r.rounds} alternating rounds ` +
      `(${r.roundsRun} run), each round's figure the least of ${r.batches} batches of ${r.iterations.toLocaleString("en-US")} calls; load average ${r.loadavg.before[0].toFixed(2)} before, ${r.loadavg.after[0].toFixed(2)} after`,
  );
  out.push(
    `engine: Node ${r.engine.node}, V8 ${r.engine.v8}: ` +
      (r.engine.inlinesWasmCalls
        ? "V8 inlines WebAssembly calls it has seen often, so the probe call may not be a call here (the kernel's is): compare on Node 20, or run with --no-wasm-inlining"
        : "the probe call is a call and a return in V8's code, as the kernel's"),
  );
  out.push(`goals: wasm/native <= ${GOAL_RATIO} (off <= ${GOAL_OFF}), added over plain wasm/native <= ${GOAL_ADDED}, all CPUs per-CPU / 1 CPU <= ${GOAL_ALL_CPUS}`);
  const head = ["strategy", "context", "wasm ns", "native ns", "wasm/native", "added over plain: wasm / native ns", "added ratio", "all CPUs / 1 CPU", "stable"];
  const lines = [head];
  for (const w of r.rows) {
    const ok = (b: boolean | null | undefined) => (b === null || b === undefined ? "" : b ? " ok" : " MISS");
    lines.push([
      w.strategy, w.context, ns(w.wasm), ns(w.native),
      w.stable ? `${x(w.ratio.median)}${ok(w.meetsRatio)}` : `unstable (${(w.spread * 100).toFixed(0)}%)`,
      w.addedWasm === null ? "-" : `${w.addedWasm.toFixed(2)} / ${w.addedNative!.toFixed(2)}`,
      !w.stable ? "-" : w.addedRatio === null ? (w.addedWasm === null ? "-" : `n/a (native adds < ${MIN_ADDED_NS} ns)`) : `${x(w.addedRatio)}${ok(w.meetsAdded)}`,
      w.allCpusRatio === undefined ? "-" : w.allCpusStable ? `${x(w.allCpusRatio)}${ok(w.allCpusRatio <= GOAL_ALL_CPUS)}` : `unstable (${x(w.allCpusRatio)})`,
      w.stable ? `yes (${(w.spread * 100).toFixed(0)}%)` : "NO",
    ]);
  }
  const width = head.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  for (const l of lines) out.push(l.map((c, i) => c.padEnd(width[i])).join("  ").trimEnd());
  const cm = r.cpuModules;
  if (cm) out.push(cm.specialised ? `CPU workers: one module per CPU, its per-CPU base a constant (docs/performance.md), patched and compiled in ${cm.compileMs.map((v) => v.toFixed(0)).join(", ")} ms (CPU 0, 1, ...)` : "CPU workers: the one release module, the per-CPU base in a global (RCU_LAB_PERCPU=generic)");
  for (const a of r.addressing) {
    out.push(
      `native ${a.row} with the preempt count addressed as V8 does with the base in a global ([memory start + index]): ${ns(a.indexedForm)} ns, against ${ns(a.kernelForm)} ns ` +
        `in the stand-in's %fs:disp form` + (a.kernelAddressForm ? ` and ${ns(a.kernelAddressForm)} ns in the kernel's %gs:x(%rip) form` : "") +
        `; wasm ${ns(a.wasm)} ns (docs/performance.md: memory renaming, hazards of the native stand-ins)`,
    );
  }
  const st = r.rows.filter((w) => w.stable);
  out.push(
    `${st.filter((w) => w.meetsRatio).length} of ${st.length} stable rows meet the wasm/native goal; ` +
      `${st.filter((w) => w.meetsAdded).length} of ${st.filter((w) => w.meetsAdded !== null).length} the added-cost goal` +
      (r.stable ? "" : `; ${r.rows.length - st.length} row(s) NOT stable after ${r.roundsRun} rounds: the machine is too noisy for them, rerun when it is quiet`),
  );
  return out.join("\n");
}

/** npm run bench -- speed: the comparison alone, on a machine of as many CPUs as cores. */
export async function benchSpeed(): Promise<SpeedReport | { unavailable: string }> {
  const m = await Machine.create({ cpus: nodePlatform.cores(), platform: nodePlatform });
  try {
    const r = await runSpeedComparison(m);
    if ("unavailable" in r) return r;
    const compileMs = [...percpuCompileMs.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
    return { ...r, cpuModules: { specialised: compileMs.length > 0, compileMs } };
  } finally {
    await m.close();
  }
}
