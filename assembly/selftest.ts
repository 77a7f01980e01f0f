// Commands that exist to test the machine itself: ownership of per-CPU areas, error
// propagation from a CPU, and deadlines on a command that does not finish.
import { PERCPU_STRIDE, SHARED_BASE, SHARED_STRIDE } from "./layout";
import { READ_ONCE_u32, WRITE_ONCE_u32, atomic_add_return } from "./primitives";
import { this_cpu_ptr } from "./percpu";

/** Write `pattern` into every 32-bit word of this CPU's per-CPU area. */
export function selftest_fill_percpu(pattern: u32): u32 {
  const base = this_cpu_ptr(0);
  for (let off: u32 = 0; off < PERCPU_STRIDE; off += 4) WRITE_ONCE_u32(base + off, pattern);
  return PERCPU_STRIDE / 4;
}

/** Spin until shared word `word` is non-zero (never waits: no atomic.wait here). */
export function selftest_spin_until_set(word: u32): u32 {
  const p = <usize>SHARED_BASE + <usize>word * <usize>SHARED_STRIDE;
  let spins: u32 = 0;
  while (READ_ONCE_u32(p) == 0) spins++;
  return spins;
}

/** Trap (an `unreachable`), as a BUG() would. */
export function selftest_trap(): void {
  unreachable();
}

/**
 * The broken variant of atomic_add_return for tests: a plain load + add + store on a
 * shared word. CPUs running it at once lose updates, which shows that the exact-total
 * test of atomic_add_return can fail.
 */
export function selftest_plain_inc_shared(n: u32, word: u32): u32 {
  const p = <usize>SHARED_BASE + <usize>word * <usize>SHARED_STRIDE;
  for (let i: u32 = 0; i < n; i++) WRITE_ONCE_u32(p, READ_ONCE_u32(p) + 1);
  return n;
}

/** A callback for call_rcu()/call_srcu() tests: atomically increments shared word `arg`. */
export function cb_shared_inc(arg: u32): void {
  atomic_add_return(<usize>SHARED_BASE + <usize>arg * <usize>SHARED_STRIDE, 1);
}
