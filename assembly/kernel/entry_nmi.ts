// An NMI, complete, v5.6: arch/x86/kernel/nmi.c do_nmi() -> nmi_enter(); default_do_nmi() ->
// nmi_handle(NMI_LOCAL): under rcu_read_lock() each registered handler, then the plain
// tracepoint trace_nmi_handler(); nmi_exit(). NMIs arrive whatever IF says; they do not nest
// in v5.6 (do_nmi()'s nmi_state latches a second one; not needed here: no path nests them).
// From user mode (nohz_full: an EQS; the NMI entry does no context tracking) and from idle,
// rcu_nmi_enter() leaves the EQS and counts dynticks_nmi_nesting 1, so the plain tracepoint
// runs with RCU watching; from a task it counts 2.
//
// nmi_enter() (include/linux/hardirq.h, v5.6; read in the pre-image that PeterZ's Feb 2020
// "hardirq: ... nmi_enter()" patches quote, index da0af631ded5, and kernel-facts.md):
//   printk_nmi_enter(); lockdep_off(); ftrace_nmi_enter(); BUG_ON(in_nmi());
//   preempt_count_add(NMI_OFFSET + HARDIRQ_OFFSET); rcu_nmi_enter(); trace_hardirq_enter();
// nmi_exit(): trace_hardirq_exit(); rcu_nmi_exit(); BUG_ON(!in_nmi());
//   preempt_count_sub(NMI_OFFSET + HARDIRQ_OFFSET); ftrace_nmi_exit(); lockdep_on(); printk_nmi_exit();
// STAND-INS (no RCU state): printk_nmi_enter/exit() (printk_safe.c: this_cpu_or/and of
// printk_context) and lockdep_off/on() (lockdep.c: current->lockdep_recursion) are out-of-line
// calls, counted as such; ftrace_nmi_enter/exit() is the inline CONFIG_HWLAT_TRACER test of
// trace_hwlat_callback_enabled (a branch, the hwlat tracer is off); trace_hardirq_enter/exit()
// is lockdep's current->hardirq_context++/-- (inline, task state: not emulated). The BUG_ON
// checks, preempt count and rcu_nmi_enter/exit() are hardirq.ts's nmi_enter()/nmi_exit().
import { NR_TRACEPOINTS, PCPU_RCU_DYNTICKS } from "../layout";
import { branch, cpu_reg_read_u32, out_of_line_call } from "../primitives";
import { RCU_DYNTICK_CTRL_CTR } from "../rcu/dynticks";
import { FAULT_NMI_TRACE_BEFORE_RCU, fault_injected } from "../rcu/faults";
import { rcu_read_lock_sched_notrace, rcu_read_unlock_sched_notrace } from "../rcu/rcupdate";
import { USAGE_NOT_WATCHING, usage_error } from "../rcu/usage";
import { trace_plain } from "../tracepoint/strategies";
import { tracepoint } from "../tracepoint/tracepoint";
import { nmi_enter, nmi_exit } from "./hardirq";

/** nmi_enter() of v5.6, whole. */
function nmi_enter_v5_6(): void {
  out_of_line_call(); // printk_nmi_enter()
  out_of_line_call(); // lockdep_off()
  branch(false); // ftrace_nmi_enter(): if (trace_hwlat_callback_enabled)
  nmi_enter(); // BUG_ON(in_nmi()); preempt_count_add(NMI_OFFSET + HARDIRQ_OFFSET); rcu_nmi_enter()
}

/** nmi_exit() of v5.6, whole. */
function nmi_exit_v5_6(): void {
  nmi_exit(); // rcu_nmi_exit(); BUG_ON(!in_nmi()); preempt_count_sub(NMI_OFFSET + HARDIRQ_OFFSET)
  branch(false); // ftrace_nmi_exit()
  out_of_line_call(); // lockdep_on()
  out_of_line_call(); // printk_nmi_exit()
}

/**
 * nmi_handle(NMI_LOCAL, regs) (arch/x86/kernel/nmi.c, v5.6): rcu_read_lock(); for the one
 * registered handler: a->handler(type, regs) (an indirect call: a STAND-IN counted as a call),
 * sched_clock() around it (not emulated), trace_nmi_handler() (the plain trace_X() with
 * v5.6's CONFIG_LOCKDEP check: an uncounted verdict, usage error not-watching where RCU is
 * not watching); rcu_read_unlock(). The emulated kernel's RCU is the consolidated sched flavor:
 * rcu_read_lock() is rcu_read_lock_sched_notrace() here.
 */
function nmi_handle(nmi_id: u32): void {
  rcu_read_lock_sched_notrace();
  out_of_line_call(); // a->handler(type, regs)
  trace_plain(tracepoint(nmi_id < NR_TRACEPOINTS ? nmi_id : 0), 0);
  if ((cpu_reg_read_u32(PCPU_RCU_DYNTICKS) & RCU_DYNTICK_CTRL_CTR) == 0) usage_error(USAGE_NOT_WATCHING);
  rcu_read_unlock_sched_notrace();
}

/**
 * do_nmi() (arch/x86/kernel/nmi.c, v5.6) over whatever the CPU runs: the cpu_is_offline()
 * and nmi_state tests (branches), nmi_enter(), default_do_nmi() -> nmi_handle() on
 * tracepoint `nmi_id` (nmi_handler), nmi_exit(). Command: `nmi_v5_6(nmi_id)`. Broken variant
 * FAULT_NMI_TRACE_BEFORE_RCU: the handler runs before nmi_enter().
 */
export function nmi_v5_6(nmi_id: u32): void {
  branch(false); // cpu_is_offline(smp_processor_id())
  branch(false); // this_cpu_read(nmi_state) != NMI_NOT_RUNNING
  const early = fault_injected(FAULT_NMI_TRACE_BEFORE_RCU);
  if (early) nmi_handle(nmi_id);
  nmi_enter_v5_6();
  out_of_line_call(); // default_do_nmi()
  if (!early) nmi_handle(nmi_id);
  nmi_exit_v5_6();
}

/** `n` NMIs (one measured loop). */
export function nmi_loop_v5_6(n: u32, nmi_id: u32): u32 {
  for (let i: u32 = 0; i < n; i++) nmi_v5_6(nmi_id);
  return n;
}
