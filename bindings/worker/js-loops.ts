// The primitive loops of assembly/bench.ts written in plain TypeScript with Atomics on
// an Int32Array over the same shared memory: the comparison that shows what running the
// hot path inside WebAssembly buys. They run in the CPU worker, like the wasm loops.
import { perCpuAddr, type Layout } from "../abi/layout.js";
import type { ArgSpec } from "../abi/wasm-signatures.js";

export interface JsLoopContext {
  readonly i32: Int32Array;
  readonly layout: Layout;
  readonly cpu: number;
}

type JsLoop = (ctx: JsLoopContext, args: readonly number[]) => number;

/** A JavaScript command: its declared arguments (checked by the host before posting) and its body. */
export interface JsCommand<C> {
  readonly args: readonly ArgSpec[];
  readonly run: (ctx: C, args: readonly number[]) => number;
}

/** Every loop takes one argument: the iteration count (a u32, like the wasm loops'). */
const ITERATIONS: readonly ArgSpec[] = [{ name: "iterations", type: "u32" }];
const loop = (run: JsLoop): JsCommand<JsLoopContext> => ({ args: ITERATIONS, run });

const pcpu = (c: JsLoopContext, field: number) => perCpuAddr(c.layout, c.cpu, field) >> 2;

function emptyProbe(_arg: number): void {}
let probe: (arg: number) => void = emptyProbe;
/** Replaceable so that V8 cannot prove the call target constant. */
export function setJsProbe(fn: (arg: number) => void): void {
  probe = fn;
}

export const JS_LOOPS: Readonly<Record<string, JsCommand<JsLoopContext>>> = {
  js_empty: loop((c, [n]) => {
    const i32 = c.i32, k = pcpu(c, c.layout.PCPU_COUNTER) + 1;
    let i = 0;
    for (; i < n; i++) i32[k] = i;
    return i;
  }),
  js_this_cpu_inc: loop((c, [n]) => {
    const i32 = c.i32, k = pcpu(c, c.layout.PCPU_COUNTER);
    for (let i = 0; i < n; i++) i32[k]++;
    return i32[k];
  }),
  js_atomic_add_return: loop((c, [n]) => {
    const i32 = c.i32, k = pcpu(c, c.layout.PCPU_COUNTER);
    let v = 0;
    for (let i = 0; i < n; i++) v = Atomics.add(i32, k, 1) + 1;
    return v;
  }),
  js_smp_mb: loop((c, [n]) => {
    const i32 = c.i32, k = pcpu(c, c.layout.PCPU_MB_SCRATCH);
    let i = 0;
    for (; i < n; i++) Atomics.add(i32, k, 0);
    return i;
  }),
  js_read_once_branch: loop((c, [n]) => {
    const i32 = c.i32, k = pcpu(c, c.layout.PCPU_COUNTER);
    let taken = 0;
    for (let i = 0; i < n; i++) if (Atomics.load(i32, k) === 0x7eadbeef) taken++;
    return taken;
  }),
  js_indirect_call: loop((_c, [n]) => {
    let i = 0;
    for (; i < n; i++) probe(i);
    return i;
  }),
};
