// Usage errors: what the kernel reports with WARN_ON_ONCE() or a lockdep splat. They are
// counted per CPU (every occurrence, not once) and the run goes on; the operation that
// would corrupt the emulated state is refused, and one that would deadlock fails at once.
import { PCPU_USAGE } from "../layout";
import { OP_BRANCH, OP_READ_ONCE, count_op, cpu_stat_inc_u32 } from "../primitives";

/** synchronize_rcu()/synchronize_srcu() where sleeping is illegal (in a reader, irq, atomic). */
export const USAGE_SYNC_IN_ATOMIC: u32 = 0;
/** rcu_read_unlock_sched()/srcu_read_unlock() without a matching lock. */
export const USAGE_UNBALANCED_UNLOCK: u32 = 1;
/** rcu_irq_exit()/rcu_nmi_exit() without a matching enter (nmi_nesting <= 0). */
export const USAGE_IRQ_EXIT_WITHOUT_ENTER: u32 = 2;
/** srcu_read_lock() from NMI context (SRCU's per-CPU increments are not NMI-safe). */
export const USAGE_SRCU_IN_NMI: u32 = 3;
/** srcu_read_lock_fast() where RCU is not watching. */
export const USAGE_SRCU_FAST_NOT_WATCHING: u32 = 4;
/** A scheduling point with a non-zero preempt count or irqs off: in a reader, irq, NMI ("scheduling while atomic"). */
export const USAGE_SCHED_IN_ATOMIC: u32 = 5;
/** rcu_idle_enter()/rcu_user_enter() from irq context or with bad nesting (rcu_eqs_enter WARN; irqs on: USAGE_IRQS_ENABLED). */
export const USAGE_EQS_ENTER: u32 = 6;
/** rcu_idle_exit()/rcu_user_exit() when not in an extended quiescent state (incl. rcu_eqs_exit's WARN_ON_ONCE(dynticks_nmi_nesting)). */
export const USAGE_EQS_EXIT: u32 = 7;
/** A tracepoint called where RCU is not watching (the v6.13 lockdep check). */
export const USAGE_NOT_WATCHING: u32 = 8;
/** A call_rcu()/call_srcu() ring was full: the callback could not be queued. */
export const USAGE_CB_OVERFLOW: u32 = 9;
/** nmi_enter() inside an NMI or nmi_exit() outside one (v5.6 BUG_ON(in_nmi()) / BUG_ON(!in_nmi())). */
export const USAGE_NMI_NESTING: u32 = 10;
/**
 * lockdep_assert_irqs_disabled() failed: rcu_idle_enter(), rcu_user_enter(), rcu_eqs_exit()
 * (rcu_user_exit()), rcu_irq_enter() or rcu_irq_exit() called with interrupts on.
 */
export const USAGE_IRQS_ENABLED: u32 = 11;
/**
 * rcu_is_cpu_rrupt_from_idle()'s RCU_LOCKDEP_WARNs (tree.c, v5.6): dynticks_nesting < 0
 * ("counter underflow") or dynticks_nmi_nesting <= 0 ("counter underflow/zero", e.g.
 * called outside any interrupt).
 */
export const USAGE_DYNTICKS_UNDERFLOW: u32 = 12;
/**
 * synchronize_srcu()/synchronize_srcu_expedited() inside this task's own reader of the same
 * srcu_struct: __synchronize_srcu()'s RCU_LOCKDEP_WARN(lock_is_held(&ssp->dep_map), "Illegal
 * synchronize_srcu() in same-type SRCU (or in RCU) read-side critical section") (srcutree.c,
 * v5.6). The grace period would wait for the caller itself: refused at once.
 */
export const USAGE_SYNC_IN_SRCU_READER: u32 = 13;
export const NR_USAGE_KINDS: u32 = 14;

/**
 * Count one usage error of kind `kind` on this CPU. The counter is the emulator's own
 * bookkeeping, not a memory op of the kernel: its increment is never counted as an op.
 */
export function usage_error(kind: u32): void {
  cpu_stat_inc_u32(PCPU_USAGE, kind << 2);
}

/**
 * WARN_ONCE(cond, ...) (include/asm-generic/bug.h) whose condition held, after its first
 * hit: `if (unlikely(__ret_warn_once && !__warned))` is one load of the static __warned
 * and one branch (the condition's own branch is the caller's). Counted so, plus the usage error.
 */
export function warn_once(kind: u32): void {
  count_op(OP_READ_ONCE);
  count_op(OP_BRANCH);
  usage_error(kind);
}
