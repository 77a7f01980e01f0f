// The primitives comparison: ns per operation of each kernel primitive as the module
// executes it, on one CPU and on all CPUs at once, beside the same loop written in plain
// TypeScript with Atomics, and beside the native figure of docs/native-reference.md.
// Every timing is one batch run inside one worker call; no per-op JS -> wasm crossing.
import type { Machine } from "../machine/machine.js";
import { checkIterations, measure } from "./measure.js";
import type { Summary } from "./stats.js";

export interface Primitive {
  readonly name: string;
  /** Kernel code it stands for. */
  readonly kernel: string;
  readonly wasm: string;
  /** The same loop in TypeScript with Atomics, if there is one. */
  readonly js?: string;
  /** ns per op of the native x86-64 sequence (docs/native-reference.md, AMD EPYC Zen 5, 2 vCPUs); NaN if none. */
  readonly nativeNs: number;
  /** Extra arguments of the wasm loop after the iteration count (the JavaScript loops take only the count). */
  readonly args?: (m: Machine) => number[];
}

export const PRIMITIVES: readonly Primitive[] = [
  { name: "loop baseline", kernel: "one plain store per iteration", wasm: "bench_empty", js: "js_empty", nativeNs: 0.25 },
  { name: "this_cpu_inc", kernel: "incl %gs:x", wasm: "bench_this_cpu_inc", js: "js_this_cpu_inc", nativeNs: 0.25 },
  { name: "atomic_add_return", kernel: "lock xadd (own line)", wasm: "bench_atomic_add_return", js: "js_atomic_add_return", nativeNs: 4.98 },
  { name: "smp_mb", kernel: "lock addl $0,-4(%rsp)", wasm: "bench_smp_mb", js: "js_smp_mb", nativeNs: 4.98 },
  { name: "READ_ONCE+branch", kernel: "mov; test; jcc (not taken)", wasm: "bench_read_once_branch", js: "js_read_once_branch", nativeNs: 0.25 },
  {
    name: "indirect call", kernel: "call *%reg (empty function)", wasm: "bench_indirect_call", js: "js_indirect_call", nativeNs: 1.5,
    args: (m) => [m.functionIndex("probe_empty")],
  },
];

export type Impl = "wasm" | "js";
export type Scope = "1 CPU" | "all CPUs";

export interface PrimitiveRow {
  readonly primitive: string;
  readonly kernel: string;
  readonly impl: Impl;
  readonly scope: Scope;
  readonly nativeNs: number;
  /** ns/op per CPU that ran (index = position in `cpus`). */
  readonly perCpu: readonly { cpu: number; nsPerOp: Summary }[];
  /** Median over CPUs of their median ns/op. */
  readonly nsPerOp: Summary;
}

export interface PrimitivesOptions {
  /** Iterations per batch (one batch = one timed call). */
  iterations?: number;
  /** Timed repetitions per measurement (>= 1; 5 or more for a figure worth quoting). */
  reps?: number;
  /** The loops to measure (default PRIMITIVES). */
  primitives?: readonly Primitive[];
  /** Which of them (by name); default all. */
  only?: readonly string[];
  impls?: readonly Impl[];
  scopes?: readonly Scope[];
  /** Called before each measurement: done, total, and what is measured. */
  onProgress?: (done: number, total: number, what: string) => void;
}

export interface PrimitivesReport {
  readonly schema: "rcu-lab/primitives@1";
  readonly cpus: number;
  readonly cores: number;
  readonly oversubscribed: boolean;
  readonly platform: string;
  readonly build: string;
  readonly iterations: number;
  readonly reps: number;
  readonly units: { nsPerOp: "ns per operation" };
  readonly nativeSource: string;
  readonly rows: readonly PrimitiveRow[];
}

export const NATIVE_SOURCE =
  "docs/native-reference.md: gcc -O2 on AMD EPYC (Zen 5) VM, 2 vCPUs, pinned thread, median of 5 x 2e7 iterations";

export async function runPrimitives(machine: Machine, o: PrimitivesOptions = {}): Promise<PrimitivesReport> {
  const iterations = o.iterations ?? 10_000_000;
  const reps = o.reps ?? 5;
  checkIterations(iterations, reps);
  const list = o.primitives ?? PRIMITIVES;
  const known = list.map((p) => p.name);
  for (const n of o.only ?? []) {
    if (!known.includes(n)) throw new RangeError(`unknown primitive '${n}'; expected one of: ${known.join(", ")}`);
  }
  const prims = list.filter((p) => !o.only || o.only.includes(p.name));
  const impls = o.impls ?? ["wasm", "js"];
  const scopes = o.scopes ?? ["1 CPU", "all CPUs"];
  const total = prims.reduce((n, p) => n + impls.filter((i) => i === "wasm" || p.js).length * scopes.length, 0);
  const rows: PrimitiveRow[] = [];
  let done = 0;
  for (const p of prims) {
    for (const scope of scopes) {
      for (const impl of impls) {
        const command = impl === "wasm" ? p.wasm : p.js;
        if (!command) continue;
        o.onProgress?.(done++, total, `${p.name} (${impl}, ${scope})`);
        const cpus = scope === "1 CPU" ? [0] : [...Array(machine.cpus).keys()];
        const args = impl === "wasm" ? (p.args?.(machine) ?? []) : [];
        const r = await measure(machine, { command, args, iterations, reps, cpus });
        rows.push({ primitive: p.name, kernel: p.kernel, impl, scope, nativeNs: p.nativeNs, perCpu: r.perCpu, nsPerOp: r.nsPerOp });
      }
    }
  }
  o.onProgress?.(total, total, "done");
  const cores = machine.platform.cores();
  return {
    schema: "rcu-lab/primitives@1", cpus: machine.cpus, cores, oversubscribed: machine.cpus > cores,
    platform: machine.platform.name, build: machine.build, iterations, reps,
    units: { nsPerOp: "ns per operation" }, nativeSource: NATIVE_SOURCE, rows,
  };
}
