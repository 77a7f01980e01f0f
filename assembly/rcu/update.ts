// The update-side entry points of tree RCU that any context may call (kernel/rcu/tree.c,
// tree_exp.h, v5.6): synchronize_rcu() is split into a request (the snapshot of the
// grace-period sequence and the wake-up of the kthread) and a completion test; the
// caller's JavaScript sleeps in between, never the module. call_rcu() queues a callback.
import { PCPU_IRQS_DISABLED, PCPU_PREEMPT_COUNT, RCU_EXP_SEQ_NEEDED, RCU_GP_SEQ, RCU_GP_SEQ_NEEDED, RCU_GP_WAKE } from "../layout";
import { PREEMPT_NEED_RESCHED } from "../preempt";
import { READ_ONCE_u32, atomic_cmpxchg, cpu_reg_read_u32, smp_mb, futex_wake } from "../primitives";
import { cblist_enqueue } from "./cblist";
import { rcu_seq_done, rcu_seq_snap, seq_cmp_lt } from "./rcu_seq";
import { USAGE_SYNC_IN_ATOMIC, usage_error } from "./usage";

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
 * Ask for a full grace period from now: rcu_seq_snap(&rcu_state.gp_seq) after a full
 * barrier (the caller's prior accesses come before the grace period), recorded in
 * gp_seq_needed (and the expedited request), then wake the kthread. rcu_seq_snap()
 * carries its own smp_mb() after the read (kernel/rcu/rcu.h, v5.6). Returns the value
 * gp_seq must reach.
 */
export function rcu_gp_request(expedited: u32): u32 {
  smp_mb(); // synchronize_rcu()'s implied barrier: prior accesses before the snapshot; pairs with rcu_seq_start()'s smp_mb()
  const s = rcu_seq_snap(RCU_GP_SEQ);
  seq_advance_to(RCU_GP_SEQ_NEEDED, s);
  if (expedited) seq_advance_to(RCU_EXP_SEQ_NEEDED, s);
  futex_wake(RCU_GP_WAKE);
  return s;
}

/**
 * rcu_seq_done(&rcu_state.gp_seq, s), followed on success by smp_mb(): the caller's later
 * accesses come after the grace period. Returns 1 when the grace period has completed.
 */
export function rcu_gp_done(s: u32): u32 {
  if (!rcu_seq_done(READ_ONCE_u32(RCU_GP_SEQ), s)) return 0;
  smp_mb();
  return 1;
}

/**
 * call_rcu(head, func) (tree.c, v5.6 __call_rcu -> rcu_accelerate_cbs ->
 * rcu_seq_snap(&rcu_state.gp_seq)): (*fn)(arg) after a grace period. Returns 1, or 0 if
 * the ring is full. The snapshot's own smp_mb() is inside rcu_seq_snap().
 */
export function call_rcu(fn: u32, arg: u32): u32 {
  smp_mb(); // the caller's prior accesses (the removal) before the snapshot, as the rcu_node lock orders them in the kernel; pairs with rcu_seq_start()'s smp_mb()
  const s = rcu_seq_snap(RCU_GP_SEQ);
  const ok = cblist_enqueue(0, s, fn, arg);
  seq_advance_to(RCU_GP_SEQ_NEEDED, s);
  futex_wake(RCU_GP_WAKE);
  return ok;
}

/**
 * might_sleep() before synchronize_rcu()/synchronize_srcu() on a CPU: sleeping inside a
 * read-side critical section, an irq or with interrupts off would deadlock (the kernel
 * splats "BUG: sleeping function called from invalid context"). Returns 0 when legal,
 * else counts a usage error and returns preempt_count | (irqs disabled << 31).
 */
export function rcu_might_sleep(): u32 {
  const pc = cpu_reg_read_u32(PCPU_PREEMPT_COUNT) & ~PREEMPT_NEED_RESCHED;
  const irqs_off = cpu_reg_read_u32(PCPU_IRQS_DISABLED);
  if (pc == 0 && irqs_off == 0) return 0;
  usage_error(USAGE_SYNC_IN_ATOMIC);
  return pc | (irqs_off << 31);
}
