// The CPU side of tree RCU's quiescent states (kernel/rcu/tree.c, tree_plugin.h, v5.6,
// !CONFIG_PREEMPT_RCU): a CPU notices a new grace period (__note_gp_changes sets
// cpu_no_qs), passes a quiescent state at a scheduling point or in a scheduling-clock
// tick taken from user mode or idle (rcu_qs), and reports it with the gp_seq it noticed
// (rcu_report_qs_rdp). The grace-period kthread drops a report made for an older gp_seq.
import { PCPU_RCU_QS, PCPU_RCU_QS_REPORT, QS_CPU_NO_QS, QS_EXP_NEED_QS, QS_GP_SEQ, RCU_GP_SEQ, RCU_GP_WAKE } from "../layout";
import { this_cpu_ptr } from "../percpu";
import { PREEMPT_MASK, preempt_count } from "../preempt";
import { irqs_disabled } from "../irqflags";
import { FAULT_SCHED_PREEMPT_MASK_ONLY, fault_active } from "./faults";
import { READ_ONCE_u32, READ_ONCE_u64, WRITE_ONCE_u32, branch, smp_store_release, futex_wake } from "../primitives";
import { rcu_report_exp_rdp } from "./tree_exp";
import { rcu_is_cpu_rrupt_from_idle } from "./dynticks";
import { rcu_seq_state } from "./rcu_seq";
import { USAGE_SCHED_IN_ATOMIC, usage_error } from "./usage";

/**
 * __note_gp_changes() (tree.c): when rcu_state.gp_seq shows a grace period this CPU
 * has not seen, remember it and note that a quiescent state is owed (cpu_no_qs).
 */
@inline function note_gp_changes(gp: u32): void {
  const qs = this_cpu_ptr(PCPU_RCU_QS);
  if (branch(READ_ONCE_u32(qs + QS_GP_SEQ) != gp)) {
    WRITE_ONCE_u32(qs + QS_GP_SEQ, gp);
    WRITE_ONCE_u32(qs + QS_CPU_NO_QS, rcu_seq_state(gp) != 0 ? 1 : 0);
  }
}

/**
 * rcu_report_qs_rdp() (tree.c): report a quiescent state for the grace period this CPU
 * noticed. The release store orders the CPU's prior read-side critical sections before
 * the report; pairs with the smp_load_acquire() in rcu_gp_collect_reports().
 */
@inline function rcu_report_qs_rdp(gp: u32): void {
  smp_store_release(this_cpu_ptr(PCPU_RCU_QS_REPORT), gp);
  futex_wake(RCU_GP_WAKE);
}

/**
 * rcu_qs() (tree_plugin.h, !PREEMPT_RCU): a quiescent state. The CPU first notices
 * any new grace period (the READ_ONCE of gp_seq), then reports once per grace period.
 * Internal: only the scheduling point and the tick below call it, each after its own
 * check; it is not a command (a bare rcu_qs() could end a grace period under a reader).
 */
export function rcu_qs(): void {
  const gp = READ_ONCE_u32(RCU_GP_SEQ);
  note_gp_changes(gp);
  const qs = this_cpu_ptr(PCPU_RCU_QS);
  // cpu_no_qs.s: .b.norm (low word) and .b.exp (high word) in one read, as v5.6's
  // `if (!__this_cpu_read(rcu_data.cpu_no_qs.s)) return;`
  const no_qs = READ_ONCE_u64(qs + QS_CPU_NO_QS);
  if (branch(no_qs != 0)) {
    if (<u32>no_qs != 0) {
      WRITE_ONCE_u32(qs + QS_CPU_NO_QS, 0);
      rcu_report_qs_rdp(READ_ONCE_u32(qs + QS_GP_SEQ));
    }
    // `if (!__this_cpu_read(rcu_data.cpu_no_qs.b.exp)) return;` then clear it and
    // rcu_report_exp_rdp(): the expedited QS that rcu_exp_handler() deferred (tree_exp.ts).
    if (branch(<u32>(no_qs >> 32) != 0)) {
      WRITE_ONCE_u32(qs + QS_EXP_NEED_QS, 0);
      rcu_report_exp_rdp();
    }
  }
}

/**
 * A scheduling point: schedule() -> __schedule() -> rcu_note_context_switch()
 * (kernel/sched/core.c and tree_plugin.h, v5.6), or cond_resched(). Legal only where the
 * task may sleep. schedule_debug() tests the whole preempt count
 * (in_atomic_preempt_off(): preempt-disable, softirq, hardirq and NMI bits alike), and
 * since the RCU flavors were consolidated (v5.0) a hardirq handler and an irqs-off region
 * are RCU-sched read-side critical sections too. So the state the task calls schedule()
 * in (before __schedule()'s own preempt_disable()/local_irq_disable()) must have a zero
 * preempt count and interrupts on; otherwise this is the kernel's "BUG: scheduling while
 * atomic": counted as sched-in-atomic, and no quiescent state is reported. Returns 1 if
 * legal. (schedule_debug() read in LKML patch contexts of 2019-2020 against
 * kernel/sched/core.c v5.4-v5.7: `if (unlikely(in_atomic_preempt_off())) __schedule_bug()`.)
 * Broken variant FAULT_SCHED_PREEMPT_MASK_ONLY: only PREEMPT_MASK is tested (the
 * old emulation), so a context switch from an irq or with irqs off reports a QS.
 */
export function rcu_note_context_switch(): u32 {
  const pc = preempt_count();
  if (branch(pc != 0 || irqs_disabled())) {
    // Slow path only: the fault bit is read when the check already failed.
    if ((pc & PREEMPT_MASK) != 0 || !fault_active(FAULT_SCHED_PREEMPT_MASK_ONLY)) {
      usage_error(USAGE_SCHED_IN_ATOMIC);
      return 0;
    }
  }
  rcu_qs();
  return 1;
}

/**
 * rcu_sched_clock_irq(user) -> rcu_flavor_sched_clock_irq(user) (tree_plugin.h, v5.6,
 * !PREEMPT_RCU): in the scheduling-clock interrupt, a tick that interrupted user mode
 * or idle (first interrupt level) is a quiescent state. Called inside irq_enter/exit.
 * Returns 1 when the tick reported a quiescent state.
 */
export function rcu_sched_clock_irq(user: u32): u32 {
  if (branch(user != 0 || rcu_is_cpu_rrupt_from_idle())) {
    rcu_qs();
    return 1;
  }
  return 0;
}

/** A delayed report (test hook): report a quiescent state for grace period `gp`. */
export function rcu_report_qs_for(gp: u32): void {
  rcu_report_qs_rdp(gp);
}
