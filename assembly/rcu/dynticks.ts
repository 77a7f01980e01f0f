// Per-CPU RCU dyntick state and the extended-quiescent-state (EQS) transitions, as in
// kernel/rcu/tree.c of v5.6. Encoding of rdp->dynticks in v5.6: bit RCU_DYNTICK_CTRL_CTR
// (2) set means RCU is watching this CPU; bit 0 (RCU_DYNTICK_CTRL_MASK) requests special
// action at the next EQS exit (never set here); every EQS entry or exit adds
// RCU_DYNTICK_CTRL_CTR with a fully ordered atomic_add_return().
//
// dynticks_nesting counts process-level non-idle nesting (1 in task context, 0 in idle or
// user mode); dynticks_nmi_nesting counts irq/NMI nesting: DYNTICK_IRQ_NONIDLE in task
// context, +1 for an irq/NMI that interrupted an EQS, +2 for any other. Both are `long`:
// DYNTICK_IRQ_NONIDLE has zero low 32 bits, so they are kept as i64.
import { DANCE_RCU_IRQ_ENTER, DANCE_RCU_IRQ_ENTER_IRQSON, DANCE_RCU_IRQ_EXIT, DANCE_RCU_IRQ_EXIT_IRQSON, trace_dance_begin, trace_dance_end } from "../tracepoint/trace_events";
import { PCPU_RCU_DYNTICKS, PCPU_RCU_NESTING, PCPU_RCU_NMI_NESTING } from "../layout";
import { per_cpu_ptr, this_cpu_ptr } from "../percpu";
import {
  READ_ONCE_i64, READ_ONCE_u32, WRITE_ONCE_u32, atomic_add_return, barrier, branch, out_of_line_call,
  this_cpu_add_i64, this_cpu_ptr_read_i64, this_cpu_read_i64, this_cpu_write_i64,
} from "../primitives";
import { irqs_disabled, local_irq_restore, local_irq_save } from "../irqflags";
import { in_irq, preempt_disable_notrace, preempt_enable_notrace } from "../preempt";
import { CONTEXT_KERNEL, CONTEXT_USER, ct_state_set } from "../kernel/context_tracking";
import {
  USAGE_DYNTICKS_UNDERFLOW, USAGE_EQS_ENTER, USAGE_EQS_EXIT, USAGE_IRQS_ENABLED, USAGE_IRQ_EXIT_WITHOUT_ENTER, usage_error,
} from "./usage";

export const RCU_DYNTICK_CTRL_MASK: u32 = 0x1;
export const RCU_DYNTICK_CTRL_CTR: u32 = RCU_DYNTICK_CTRL_MASK + 1;
/** DYNTICK_IRQ_NONIDLE (kernel/rcu/rcu.h): ((LONG_MAX / 2) + 1). */
export const DYNTICK_IRQ_NONIDLE: i64 = (i64.MAX_VALUE / 2) + 1;

/**
 * lockdep_assert_irqs_disabled() (include/linux/lockdep.h, v5.6): a debug-build check
 * (CONFIG_PROVE_LOCKING) that compiles to nothing in a production kernel, so it reads
 * the emulated IF without counting ops and branches uncounted; a failure is counted as
 * usage error irqs-enabled and the caller goes on, as lockdep's WARN does. Its call
 * sites (rcu_eqs_exit, rcu_irq_enter/exit, rcu_idle/user_enter) were read in a
 * v5.4-v5.6-era kernel/rcu/tree.c of the public code index (rcu_nmi_enter_common(irq)
 * still split out, as in v5.6) and agree with kernel-facts.md section 3.
 */
@inline function lockdep_assert_irqs_disabled(): void {
  if (!irqs_disabled()) usage_error(USAGE_IRQS_ENABLED);
}

/** Boot values of rcu_data (kernel/rcu/tree.c DEFINE_PER_CPU_SHARED_ALIGNED(rcu_data)). */
export function rcu_dynticks_init(): void {
  WRITE_ONCE_u32(this_cpu_ptr(PCPU_RCU_DYNTICKS), RCU_DYNTICK_CTRL_CTR);
  this_cpu_write_i64(PCPU_RCU_NESTING, 1);
  this_cpu_write_i64(PCPU_RCU_NMI_NESTING, DYNTICK_IRQ_NONIDLE);
}

/**
 * rcu_dynticks_eqs_enter() (tree.c): enter an EQS. The atomic_add_return() is fully
 * ordered: CPUs that see the new value also see this CPU's prior read-side critical
 * sections. Pairs with rcu_dynticks_snap() in the grace-period kthread.
 */
@inline export function rcu_dynticks_eqs_enter(): void {
  atomic_add_return(this_cpu_ptr(PCPU_RCU_DYNTICKS), RCU_DYNTICK_CTRL_CTR);
}

/**
 * rcu_dynticks_eqs_exit() (tree.c): leave an EQS. Fully ordered so that this CPU's later
 * read-side critical sections follow the grace-period kthread's prior accesses. The
 * special-action bit is never set by this emulation, but its test is the kernel's.
 */
@inline export function rcu_dynticks_eqs_exit(): void {
  const seq = atomic_add_return(this_cpu_ptr(PCPU_RCU_DYNTICKS), RCU_DYNTICK_CTRL_CTR);
  if (branch((seq & RCU_DYNTICK_CTRL_MASK) != 0)) {
    // atomic_andnot(RCU_DYNTICK_CTRL_MASK); rcu_eqs_special_exit(): not emulated
  }
}

/** rcu_dynticks_curr_cpu_in_eqs() (tree.c): !(atomic_read(&rdp->dynticks) & CTR). */
@inline export function rcu_dynticks_curr_cpu_in_eqs(): bool {
  return (READ_ONCE_u32(this_cpu_ptr(PCPU_RCU_DYNTICKS)) & RCU_DYNTICK_CTRL_CTR) == 0;
}

/**
 * rcu_dynticks_snap(rdp) (tree.c): a remote CPU's dynticks, read with a fully ordered
 * atomic_add_return(0, ...), without the special-request bit.
 */
@inline export function rcu_dynticks_snap(cpu: u32): u32 {
  const snap = atomic_add_return(per_cpu_ptr(PCPU_RCU_DYNTICKS, cpu), 0);
  return snap & ~RCU_DYNTICK_CTRL_MASK;
}

/** rcu_dynticks_in_eqs(snap) (tree.c): does the snapshot show an EQS? */
@inline export function rcu_dynticks_in_eqs(snap: u32): bool {
  return (snap & RCU_DYNTICK_CTRL_CTR) == 0;
}

/** rcu_dynticks_in_eqs_since(rdp, snap) (tree.c): has the CPU passed through an EQS? */
@inline export function rcu_dynticks_in_eqs_since(cpu: u32, snap: u32): bool {
  return snap != rcu_dynticks_snap(cpu);
}

/** A remote CPU's dynticks_nesting (only the broken gp-ignore-nesting engine reads it). */
@inline export function rcu_dynticks_nesting_of(cpu: u32): i64 {
  return READ_ONCE_i64(per_cpu_ptr(PCPU_RCU_NESTING, cpu));
}

/**
 * rcu_eqs_enter(user) (tree.c, v5.6). The caller has interrupts disabled and is not in
 * an irq. The kernel WARNs when dynticks_nmi_nesting is not DYNTICK_IRQ_NONIDLE, then
 * crowbars it to 0 and goes on: so does this (the WARN is a counted usage error). Called
 * from irq or NMI context (HARDIRQ bits in preempt_count) it is refused instead: the
 * kernel would enter an EQS inside a handler and corrupt the counts beyond recovery.
 * Returns false when refused.
 */
function rcu_eqs_enter(): bool {
  if (branch(in_irq())) {
    usage_error(USAGE_EQS_ENTER);
    return false;
  }
  if (branch(this_cpu_read_i64(PCPU_RCU_NMI_NESTING) != DYNTICK_IRQ_NONIDLE)) usage_error(USAGE_EQS_ENTER);
  this_cpu_write_i64(PCPU_RCU_NMI_NESTING, 0);
  if (branch(this_cpu_read_i64(PCPU_RCU_NESTING) != 1)) {
    this_cpu_add_i64(PCPU_RCU_NESTING, -1);
    return true;
  }
  this_cpu_write_i64(PCPU_RCU_NESTING, 0); // WRITE_ONCE: avoid irq-access tearing
  rcu_dynticks_eqs_enter();
  return true;
}

/**
 * rcu_eqs_exit(user) (tree.c, v5.6): lockdep_assert_irqs_disabled() first (only
 * rcu_user_exit() can fail it: rcu_idle_exit() disables interrupts around the call).
 * Refused, as a usage error, when not in an EQS nest (oldval < 0).
 */
function rcu_eqs_exit(): void {
  lockdep_assert_irqs_disabled();
  const oldval = this_cpu_read_i64(PCPU_RCU_NESTING);
  if (branch(oldval < 0)) {
    usage_error(USAGE_EQS_EXIT);
    return;
  }
  if (branch(oldval != 0)) {
    this_cpu_add_i64(PCPU_RCU_NESTING, 1);
    return;
  }
  rcu_dynticks_eqs_exit();
  this_cpu_write_i64(PCPU_RCU_NESTING, 1);
  // WARN_ON_ONCE(rdp->dynticks_nmi_nesting): an EQS exit from inside an irq/NMI handler
  // (nmi_nesting 1 or more). Counted as eqs-exit; the crowbar below goes on as in the kernel.
  if (branch(this_cpu_read_i64(PCPU_RCU_NMI_NESTING) != 0)) usage_error(USAGE_EQS_EXIT);
  this_cpu_write_i64(PCPU_RCU_NMI_NESTING, DYNTICK_IRQ_NONIDLE);
}

/** rcu_idle_enter() (tree.c): lockdep_assert_irqs_disabled(); rcu_eqs_enter(false). */
export function rcu_idle_enter(): void {
  out_of_line_call();
  lockdep_assert_irqs_disabled();
  rcu_eqs_enter();
}

/** rcu_idle_exit() (tree.c): local_irq_save(); rcu_eqs_exit(false); local_irq_restore(). */
export function rcu_idle_exit(): void {
  out_of_line_call();
  const flags = local_irq_save();
  rcu_eqs_exit();
  local_irq_restore(flags);
}

/**
 * rcu_user_enter() (tree.c, CONFIG_NO_HZ_FULL): lockdep_assert_irqs_disabled();
 * rcu_eqs_enter(true). As its caller __context_tracking_enter(CONTEXT_USER)
 * (kernel/context_tracking.c, v5.6) does next, it records that the CPU is in user space.
 */
export function rcu_user_enter(): void {
  out_of_line_call();
  lockdep_assert_irqs_disabled();
  if (rcu_eqs_enter()) ct_state_set(CONTEXT_USER);
}

/**
 * rcu_user_exit() (tree.c, CONFIG_NO_HZ_FULL): rcu_eqs_exit(true); then, as
 * __context_tracking_exit() (kernel/context_tracking.c, v5.6), the CPU is in the kernel.
 */
export function rcu_user_exit(): void {
  out_of_line_call();
  rcu_eqs_exit();
  ct_state_set(CONTEXT_KERNEL);
}

/**
 * rcu_nmi_enter_common(irq) (tree.c, v5.6): if RCU is not watching, leave the EQS and
 * count 1; otherwise count 2. "If ->dynticks_nmi_nesting is equal to one, we are
 * guaranteed to be in the outermost NMI handler that interrupted an RCU-idle period."
 */
@inline function rcu_nmi_enter_common(): void {
  // WARN_ON_ONCE(rdp->dynticks_nmi_nesting < 0): "Complain about underflow" (v5.6; read in a
  // v5.4-v5.6 tree.c of the code index). Compiled in always: a load and a branch.
  if (branch(this_cpu_read_i64(PCPU_RCU_NMI_NESTING) < 0)) usage_error(USAGE_DYNTICKS_UNDERFLOW);
  let incby: i64 = 2;
  if (branch(rcu_dynticks_curr_cpu_in_eqs())) {
    rcu_dynticks_eqs_exit();
    incby = 1;
  }
  this_cpu_write_i64(PCPU_RCU_NMI_NESTING, this_cpu_read_i64(PCPU_RCU_NMI_NESTING) + incby);
  barrier();
}

/**
 * rcu_nmi_exit_common(irq) (tree.c, v5.6): subtract 2, or, in the outermost handler
 * that interrupted an EQS (nesting 1), set 0 and re-enter the EQS. An exit without an
 * enter (nesting <= 0) is refused and counted (the kernel WARNs and corrupts the count).
 */
@inline function rcu_nmi_exit_common(): void {
  const nesting = this_cpu_read_i64(PCPU_RCU_NMI_NESTING);
  if (branch(nesting <= 0 || rcu_dynticks_curr_cpu_in_eqs())) {
    usage_error(USAGE_IRQ_EXIT_WITHOUT_ENTER);
    return;
  }
  if (branch(nesting != 1)) {
    this_cpu_write_i64(PCPU_RCU_NMI_NESTING, nesting - 2);
    return;
  }
  this_cpu_write_i64(PCPU_RCU_NMI_NESTING, 0); // avoid store tearing
  rcu_dynticks_eqs_enter();
}

/** rcu_nmi_enter() (tree.c, v5.6): rcu_nmi_enter_common(false). */
export function rcu_nmi_enter(): void {
  out_of_line_call();
  rcu_nmi_enter_common();
}

/** rcu_nmi_exit() (tree.c, v5.6): rcu_nmi_exit_common(false). */
export function rcu_nmi_exit(): void {
  out_of_line_call();
  rcu_nmi_exit_common();
}

/** rcu_irq_enter() (tree.c, v5.6): lockdep_assert_irqs_disabled(); rcu_nmi_enter_common(true). */
export function rcu_irq_enter(): void {
  trace_dance_begin(DANCE_RCU_IRQ_ENTER); // tracing build only
  out_of_line_call();
  lockdep_assert_irqs_disabled();
  rcu_nmi_enter_common();
  trace_dance_end(DANCE_RCU_IRQ_ENTER);
}

/** rcu_irq_exit() (tree.c, v5.6): lockdep_assert_irqs_disabled(); rcu_nmi_exit_common(true). */
export function rcu_irq_exit(): void {
  trace_dance_begin(DANCE_RCU_IRQ_EXIT); // tracing build only
  out_of_line_call();
  lockdep_assert_irqs_disabled();
  rcu_nmi_exit_common();
  trace_dance_end(DANCE_RCU_IRQ_EXIT);
}

/** rcu_irq_enter_irqson() (tree.c): local_irq_save(); rcu_irq_enter(); local_irq_restore(). */
export function rcu_irq_enter_irqson(): void {
  trace_dance_begin(DANCE_RCU_IRQ_ENTER_IRQSON); // tracing build only
  out_of_line_call();
  const flags = local_irq_save();
  rcu_irq_enter();
  local_irq_restore(flags);
  trace_dance_end(DANCE_RCU_IRQ_ENTER_IRQSON);
}

/** rcu_irq_exit_irqson() (tree.c): local_irq_save(); rcu_irq_exit(); local_irq_restore(). */
export function rcu_irq_exit_irqson(): void {
  trace_dance_begin(DANCE_RCU_IRQ_EXIT_IRQSON); // tracing build only
  out_of_line_call();
  const flags = local_irq_save();
  rcu_irq_exit();
  local_irq_restore(flags);
  trace_dance_end(DANCE_RCU_IRQ_EXIT_IRQSON);
}

/**
 * rcu_is_watching() (tree.c, notrace): preempt_disable_notrace();
 * !rcu_dynticks_curr_cpu_in_eqs(); preempt_enable_notrace().
 */
export function rcu_is_watching(): bool {
  out_of_line_call();
  preempt_disable_notrace();
  const ret = !rcu_dynticks_curr_cpu_in_eqs();
  preempt_enable_notrace();
  return ret;
}

/**
 * rcu_is_cpu_rrupt_from_idle() (tree.c, v5.6): called from the scheduling-clock
 * interrupt: is it the first interrupt level, taken from an RCU-idle CPU? First the
 * kernel's two debug checks, RCU_LOCKDEP_WARN(dynticks_nesting < 0, "RCU dynticks_nesting
 * counter underflow!") and RCU_LOCKDEP_WARN(dynticks_nmi_nesting <= 0, "RCU
 * dynticks_nmi_nesting counter underflow/zero!"): CONFIG_PROVE_RCU only, so they read
 * without counting ops; each failure is a dynticks-underflow usage error and the function
 * goes on. (v5.6's lockdep_assert_in_irq() at its top is not emulated: callers here are
 * the tick, inside irq_enter(), and the test command of the same name.) Read in the
 * v5.7-rc context (tree.c index 90c8be22d57a) of "rcu: Allow for smp_call_function()
 * running callbacks from idle" (v5.8), which changed this function after v5.6/v5.7.
 */
export function rcu_is_cpu_rrupt_from_idle(): bool {
  if (this_cpu_ptr_read_i64(PCPU_RCU_NESTING) < 0) usage_error(USAGE_DYNTICKS_UNDERFLOW);
  if (this_cpu_ptr_read_i64(PCPU_RCU_NMI_NESTING) <= 0) usage_error(USAGE_DYNTICKS_UNDERFLOW);
  if (branch(this_cpu_read_i64(PCPU_RCU_NMI_NESTING) != 1)) return false;
  return this_cpu_read_i64(PCPU_RCU_NESTING) == 0;
}
