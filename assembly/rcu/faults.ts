// Fault injection: deliberately broken mechanisms that the rcutorture oracle must catch
// (and that tests keep as their broken variants). The host sets the bits in shared memory
// before a run; each mechanism reads them once per grace period or per reader batch.
import { RCU_FAULTS, RCU_FAULT_ARG } from "../layout";
import { READ_ONCE_u32, emulator_read_u32, STEPPING_BUILD } from "../primitives";

/** The grace-period engine does not wait for CPU RCU_FAULT_ARG's quiescent state. */
export const FAULT_GP_SKIP_CPU: u32 = 1 << 0;
/** The engine decides EQS from dynticks_nesting == 0 instead of the dynticks counter. */
export const FAULT_GP_IGNORE_NESTING: u32 = 1 << 1;
/** The engine accepts a quiescent-state report made for any grace period (no stale drop). */
export const FAULT_GP_ACCEPT_STALE: u32 = 1 << 2;
/** SRCU grace periods skip srcu_flip(): both scans check the same (inactive) index. */
export const FAULT_SRCU_NO_FLIP: u32 = 1 << 3;
/** SRCU grace periods skip SCAN1's wait for the inactive index before flipping. */
export const FAULT_SRCU_NO_SCAN1: u32 = 1 << 4;
/** rcutorture readers in idle run without rcu_irq_enter(): an RCU reader in an EQS. */
export const FAULT_READER_IN_EQS: u32 = 1 << 5;
/** rcu_note_context_switch() tests only PREEMPT_MASK: a context switch in an irq or with irqs off reports a QS. */
export const FAULT_SCHED_PREEMPT_MASK_ONLY: u32 = 1 << 6;
/** scheduler_tick(user) trusts its argument instead of deriving user_mode(regs): a tick "from user" in a reader reports a QS. */
export const FAULT_TICK_TRUSTS_USER: u32 = 1 << 7;
/** nmi_enter()/nmi_exit() skip their in_nmi() checks: a nested NMI overflows NMI_MASK into HARDIRQ_MASK. */
export const FAULT_NMI_NEST_UNCHECKED: u32 = 1 << 8;
/** synchronize_srcu() skips its lockdep check for a reader of the same srcu_struct on this CPU: it waits for itself (the old behaviour). */
export const FAULT_SRCU_SYNC_UNCHECKED: u32 = 1 << 9;

/**
 * irq-entry-watching-shortcut: the v5.8 interrupt entry (kernel/entry_irq.ts
 * idtentry_enter_cond_rcu) and the tick of kernel/tick.ts call rcu_irq_enter() only when RCU
 * is not watching, as 3eeec3858488's idtentry_enter_cond_rcu() (x86/entry, v5.8-rc) did
 * before 0bf3924bfabd forced it in the idle task: a tick nested in softirq processing (or in
 * an rcuidle section) over idle reports a quiescent state under the outer handler's reader.
 */
export const FAULT_IRQ_ENTRY_WATCHING_SHORTCUT: u32 = 1 << 10;

/**
 * trace_hardirqs_off/on (kernel/trace_preemptirq.ts) skip the per-CPU tracing_irq_cpu
 * guard: every call runs the tracepoint, a second trace_hardirqs_off on entry included.
 */
export const FAULT_TRACE_IRQ_NO_GUARD: u32 = 1 << 11;
/**
 * The v5.6 syscall entry (kernel/entry_syscall.ts) calls the plain trace_irq_disable()
 * instead of trace_irq_disable_rcuidle() before enter_from_user_mode(): a tracepoint
 * where RCU is not watching when user mode is an extended quiescent state.
 */
export const FAULT_ENTRY_PLAIN_TRACEPOINT: u32 = 1 << 12;
/**
 * The v5.8 interrupt exit (kernel/entry_irq.ts idtentry_exit_cond_rcu) ignores its rcu_exit
 * argument: an interrupt that entered RCU through rcu_irq_enter() returns without
 * rcu_irq_exit(), leaving dynticks_nmi_nesting raised (and RCU watching in idle).
 */
export const FAULT_IRQ_EXIT_IGNORES_RCU_EXIT: u32 = 1 << 13;
/**
 * The v5.6 idle loop (kernel/idle_loop.ts) calls the plain trace_cpu_idle() instead of
 * trace_cpu_idle_rcuidle() after rcu_idle_enter(): a tracepoint where RCU is not watching
 * (what moving it before rcu_idle_enter(), 9864f5b5943a in v5.9, made legal).
 */
export const FAULT_IDLE_PLAIN_TRACEPOINT: u32 = 1 << 14;
/**
 * The v5.6 NMI path (kernel/entry_nmi.ts) runs its handler and the plain nmi_handler
 * tracepoint before nmi_enter(): before rcu_nmi_enter(), where RCU may not be watching.
 */
export const FAULT_NMI_TRACE_BEFORE_RCU: u32 = 1 << 15;
/**
 * preempt_disable/enable_traced (kernel/preemptirq_toggle.ts) drop preempt_latency_start/stop's
 * `preempt_count() == val` test: every level, also inside an irq, runs the tracepoint.
 */
export const FAULT_PREEMPT_TRACE_EVERY_LEVEL: u32 = 1 << 16;
/**
 * The rcuidle irq_disable/irq_enable tracepoint (kernel/trace_preemptirq.ts) ignores the
 * scenario's body selector and always runs v5.6's rcuidle-srcu-irq body: every strategy of
 * a scenario would measure the same code.
 */
export const FAULT_RCUIDLE_BODY_IGNORED: u32 = 1 << 17;
/**
 * The recursion guard under test (assembly/recursion/guards.ts) is broken in its own way:
 * bpf-prog-active ignores its counter, ftrace-bits always sees the normal context, perf-context
 * always level 0, stack-flag gives each trap a flag of its own, stack-flag-per-tracer one flag
 * for every tracer; none (no guard) overflows one frame later. test/recursion.test.ts only.
 */
export const FAULT_REC_GUARD_BROKEN: u32 = 1 << 18;
/** poke_int3_handler() (recursion/text_poke_bp.ts) emulates the OLD instruction instead of the new one. */
export const FAULT_POKE_EMULATES_OLD: u32 = 1 << 19;

/**
 * __srcu_read_lock() without its barrier B (stepping build only: the explorer's x86-TSO mode
 * shows what B orders, the reader's counter increment before its critical section's loads;
 * the measured builds keep B unconditionally).
 */
export const FAULT_SRCU_NO_BARRIER_B: u32 = 1 << 20;
/**
 * rcu_exp_handler() (rcu/tree_exp.ts) reports an expedited quiescent state wherever its IPI
 * lands, inside a read-side critical section included: the expedited grace period ends under a reader.
 */
export const FAULT_EXP_QS_IN_READER: u32 = 1 << 21;

/**
 * Stepping build only: where this instance counts the evaluations of each faulted branch
 * (one u32 per fault bit, indexed by the bit's position; 0: not counting). The explorer
 * points it into its own region (explore/state.ts EX_FAULT_EVALS), so that a fault whose
 * branch a configuration never evaluates is refused instead of explored "clean"
 * (bindings/experiments/explore.ts faultReach). Emulator bookkeeping: a plain load and
 * store without a scheduling point (the explorer runs every context on one thread).
 */
let fault_evals: usize = 0;

export function fault_evals_at(base: usize): void {
  fault_evals = base;
}

@inline function count_evaluation(bit: u32): void {
  if (STEPPING_BUILD && fault_evals != 0) {
    const slot = fault_evals + (<usize>ctz(bit) << 2);
    store<u32>(slot, load<u32>(slot) + 1);
  }
}

/**
 * fault_active() for the kernel paths whose op counts are the kernel's: the fault bits
 * are read without counting (they are the emulator's, not the kernel's).
 */
@inline export function fault_injected(bit: u32): bool {
  count_evaluation(bit);
  return (emulator_read_u32(RCU_FAULTS) & bit) != 0;
}

@inline export function fault_active(bit: u32): bool {
  count_evaluation(bit);
  return (READ_ONCE_u32(RCU_FAULTS) & bit) != 0;
}

@inline export function fault_arg(): u32 {
  return READ_ONCE_u32(RCU_FAULT_ARG);
}
