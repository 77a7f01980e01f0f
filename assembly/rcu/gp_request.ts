// What every flavor's update side does the same way (kernel/rcu/tree.c, srcutree.c,
// v5.6): snapshot the grace-period sequence (rcu_seq_snap), record that a grace period is
// needed up to that value (rcu_start_this_gp / srcu_funnel_gp_start), wake the worker that
// runs grace periods, and queue callbacks against the snapshot (call_rcu / call_srcu).
// Written once here; tree RCU (update.ts) and SRCU (srcutree.ts) pass their own sequence
// words, and the flavor table (flavor.ts) picks between them.
import { RCU_GP_WAKE } from "../layout";
import { READ_ONCE_u32, atomic_cmpxchg, futex_wake, smp_mb } from "../primitives";
import { cblist_enqueue } from "./cblist";
import { rcu_seq_done, rcu_seq_snap, seq_cmp_lt } from "./rcu_seq";

/** Raise *p to at least `s` (wrap-aware), as the kernel's ULONG_CMP_LT + WRITE_ONCE under a lock. */
export function seq_advance_to(p: usize, s: u32): void {
  let cur = READ_ONCE_u32(p);
  while (seq_cmp_lt(cur, s)) {
    const seen = atomic_cmpxchg(p, cur, s);
    if (seen == cur) return;
    cur = seen;
  }
}

/**
 * Ask for a full grace period from now on the sequence at `gp_seq`: a full barrier, then
 * rcu_seq_snap() (which carries its own smp_mb() after the read, kernel/rcu/rcu.h v5.6),
 * recorded in `needed` (and in `needed_exp` when `expedite`), then wake the kthread.
 * Returns the cookie: the value the sequence must reach.
 */
export function gp_request(gp_seq: usize, needed: usize, needed_exp: usize, expedite: bool): u32 {
  smp_mb(); // synchronize_*()'s implied barrier: prior accesses before the snapshot; pairs with rcu_seq_start()'s smp_mb()
  const s = rcu_seq_snap(gp_seq);
  seq_advance_to(needed, s);
  if (expedite) seq_advance_to(needed_exp, s);
  futex_wake(RCU_GP_WAKE);
  return s;
}

/**
 * rcu_seq_done(gp_seq, cookie), followed on success by smp_mb(): the caller's later
 * accesses come after the grace period. Returns 1 when the grace period has completed.
 */
export function gp_done(gp_seq: usize, cookie: u32): u32 {
  if (!rcu_seq_done(READ_ONCE_u32(gp_seq), cookie)) return 0;
  smp_mb();
  return 1;
}

/**
 * Queue (*fn)(arg) on callback ring `ring` to run after a grace period of the sequence at
 * `gp_seq` (call_rcu / call_srcu). Returns 1, or 0 if the ring is full (a counted usage error).
 */
export function gp_call(ring: u32, gp_seq: usize, needed: usize, fn: u32, arg: u32): u32 {
  // The caller's prior accesses (the removal) before the snapshot, as the rcu_node lock
  // (call_rcu) or __call_srcu()'s srcu_read_lock() orders them in the kernel; pairs with
  // rcu_seq_start()'s smp_mb(). rcu_seq_snap() then has its own (v5.6 __call_rcu ->
  // rcu_accelerate_cbs -> rcu_seq_snap, __call_srcu -> rcu_seq_snap).
  smp_mb();
  const s = rcu_seq_snap(gp_seq);
  const ok = cblist_enqueue(ring, s, fn, arg);
  seq_advance_to(needed, s);
  futex_wake(RCU_GP_WAKE);
  return ok;
}
