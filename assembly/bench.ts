// Primitive benchmark loops. JavaScript calls one of these once per batch; the loop runs
// entirely inside WebAssembly. Each returns a value derived from the work so that the
// loop cannot be optimised away.
import { PCPU_COUNTER, SHARED_BASE, SHARED_STRIDE } from "./layout";
import { READ_ONCE_u32, WRITE_ONCE_u32, atomic_add_return, indirect_call_2, smp_mb, this_cpu_inc, this_cpu_read_u32 } from "./primitives";
import { this_cpu_ptr } from "./percpu";

/** The loop alone: the baseline the other loops are compared with. */
export function bench_empty(n: u32): u32 {
  let i: u32 = 0;
  // An empty loop would be deleted; one plain store per turn keeps it (0.25 ns natively).
  const p = this_cpu_ptr(PCPU_COUNTER) + 4;
  for (; i < n; i++) WRITE_ONCE_u32(p, i);
  return i;
}

/** this_cpu_inc(counter): load + add + store on the own CPU's line. */
export function bench_this_cpu_inc(n: u32): u32 {
  for (let i: u32 = 0; i < n; i++) this_cpu_inc(PCPU_COUNTER);
  return this_cpu_read_u32(PCPU_COUNTER);
}

/** atomic_add_return(1, &word) on this CPU's own line (uncontended lock xadd). */
export function bench_atomic_add_return(n: u32): u32 {
  const p = this_cpu_ptr(PCPU_COUNTER);
  let v: u32 = 0;
  for (let i: u32 = 0; i < n; i++) v = atomic_add_return(p, 1);
  return v;
}

/** atomic_add_return(1, &shared word `word`): every CPU on the same word (contended). */
export function bench_atomic_add_return_shared(n: u32, word: u32): u32 {
  const p = <usize>SHARED_BASE + <usize>word * <usize>SHARED_STRIDE;
  let v: u32 = 0;
  for (let i: u32 = 0; i < n; i++) v = atomic_add_return(p, 1);
  return v;
}

/** smp_mb(): a locked RMW on this CPU's private scratch word. */
export function bench_smp_mb(n: u32): u32 {
  let i: u32 = 0;
  for (; i < n; i++) smp_mb();
  return i;
}

/** READ_ONCE(word) + a never-taken branch, the tracepoint static-key shape. */
export function bench_read_once_branch(n: u32): u32 {
  const p = this_cpu_ptr(PCPU_COUNTER);
  let taken: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    if (READ_ONCE_u32(p) == 0xdeadbeef) taken++;
  }
  return taken;
}

/** An indirect call of table entry `fn` (the host puts probe_empty there): (*fn)(data, i). */
export function bench_indirect_call(n: u32, fn: u32): u32 {
  let i: u32 = 0;
  for (; i < n; i++) indirect_call_2(fn, 0, i);
  return i;
}

/**
 * The clock: 8 dependent one-cycle integer operations per iteration (add, xor), so the
 * loop takes about 8 cycles per iteration whatever the loop overhead. ns / (8 n) is the
 * cycle time (WebAssembly has no rdtsc).
 */
/** Dependent one-cycle operations per iteration of calibrate_chain (4 x add + xor). */
export const CALIBRATE_CHAIN_OPS: u32 = 8;

export function calibrate_chain(n: u32, a: u32, b: u32): u32 {
  let x: u32 = a;
  for (let i: u32 = 0; i < n; i++) {
    x = (x + a) ^ b;
    x = (x + a) ^ b;
    x = (x + a) ^ b;
    x = (x + a) ^ b;
  }
  return x;
}
