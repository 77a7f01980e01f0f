// Grace-period sequence numbers (kernel/rcu/rcu.h, v5.6). The low RCU_SEQ_CTR_SHIFT bits
// hold the state (0 = idle, else a grace period in progress), the rest count grace
// periods. Our counters are u32 (the kernel's unsigned long): comparisons wrap safely as
// ULONG_CMP_GE/LT do.
import { READ_ONCE_u32, smp_mb } from "../primitives";

export const RCU_SEQ_CTR_SHIFT: u32 = 2;
export const RCU_SEQ_STATE_MASK: u32 = (1 << RCU_SEQ_CTR_SHIFT) - 1;

/** ULONG_CMP_GE(a, b) (include/linux/rcupdate.h). */
@inline export function seq_cmp_ge(a: u32, b: u32): bool {
  return <i32>(a - b) >= 0;
}

/** ULONG_CMP_LT(a, b). */
@inline export function seq_cmp_lt(a: u32, b: u32): bool {
  return <i32>(a - b) < 0;
}

/** rcu_seq_state(s): the state bits. */
@inline export function rcu_seq_state(s: u32): u32 {
  return s & RCU_SEQ_STATE_MASK;
}

/** rcu_seq_ctr(s): the number of grace periods. */
@inline export function rcu_seq_ctr(s: u32): u32 {
  return s >> RCU_SEQ_CTR_SHIFT;
}

/** The value rcu_seq_start() stores: counter unchanged, state 1. */
@inline export function rcu_seq_started(s: u32): u32 {
  return s + 1;
}

/** The value rcu_seq_end() stores: the next counter value, state 0. */
@inline export function rcu_seq_ended(s: u32): u32 {
  return (s | RCU_SEQ_STATE_MASK) + 1;
}

/**
 * rcu_seq_snap(sp) (kernel/rcu/rcu.h, v5.6): the value of the sequence at `sp` at which a
 * full grace period will have elapsed since now: the end of the grace period after any
 * that is in progress. As in the kernel, the barrier is the function's own, after the
 * READ_ONCE: "Above access must not bleed into critical section." It orders the read of
 * the sequence before whatever the caller does next (queueing a callback, recording the
 * request); it pairs with the smp_mb() of rcu_seq_start()/rcu_seq_end() on the update
 * side (tree_gp.ts, srcutree.ts), so a snapshot that misses a grace period's start cannot
 * be followed by accesses the grace period would then fail to wait for.
 * (Read in a v5.x kernel/rcu/rcu.h of the public code index; the function's text is the
 * same from v4.15 to v5.10.)
 */
@inline export function rcu_seq_snap(sp: usize): u32 {
  const s = (READ_ONCE_u32(sp) + 2 * RCU_SEQ_STATE_MASK + 1) & ~RCU_SEQ_STATE_MASK;
  smp_mb(); // rcu_seq_snap()'s own: pairs with rcu_seq_start()'s and rcu_seq_end()'s smp_mb()
  return s;
}

/** rcu_seq_done(sp, s): has the grace period that `s` was snapped for completed? */
@inline export function rcu_seq_done(cur: u32, s: u32): bool {
  return seq_cmp_ge(cur, s);
}
