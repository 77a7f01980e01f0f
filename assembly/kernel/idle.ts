// The idle loop (kernel/sched/idle.c do_idle(), v5.6), as far as RCU sees it: with
// interrupts disabled the CPU enters RCU's extended quiescent state, then waits for an
// interrupt (sti; hlt) and leaves the EQS when it wakes. A CPU worker with no command to
// run sits here (its JavaScript blocks in Atomics.wait), so grace periods need nothing
// from it: NO_HZ idle, the tick is stopped.
import { PCPU_PREEMPT_COUNT, PCPU_RCU_NESTING, PCPU_RCU_NMI_NESTING } from "../layout";
import { DYNTICK_IRQ_NONIDLE, rcu_idle_enter, rcu_idle_exit } from "../rcu/dynticks";
import { rcu_note_context_switch } from "../rcu/tree_qs";
import { irqs_disabled, local_irq_disable, local_irq_enable } from "../irqflags";
import { PREEMPT_NEED_RESCHED } from "../preempt";
import { cpu_reg_read_u32, ops_counting_pause, this_cpu_ptr_read_i64 } from "../primitives";

/**
 * Whether the CPU is in plain task context with nothing held: no preempt-disable, no
 * irq, interrupts on, RCU nesting at task level. Only then may it go idle between commands.
 */
export function idle_loop_possible(): u32 {
  const pc = cpu_reg_read_u32(PCPU_PREEMPT_COUNT) & ~PREEMPT_NEED_RESCHED;
  if (pc != 0 || irqs_disabled()) return 0;
  if (this_cpu_ptr_read_i64(PCPU_RCU_NESTING) != 1) return 0;
  if (this_cpu_ptr_read_i64(PCPU_RCU_NMI_NESTING) != DYNTICK_IRQ_NONIDLE) return 0;
  return 1;
}

/**
 * The switch to the idle task, then do_idle(): __schedule() -> rcu_note_context_switch() (a
 * quiescent state: it reports what rcu_exp_handler() deferred, tree_exp.ts), then
 * local_irq_disable(); rcu_idle_enter(); sti; hlt (op counting paused). The caller checked
 * idle_loop_possible() (or sleeps in synchronize_*(), whose might_sleep() checked the same).
 */
export function idle_loop_enter(): void {
  ops_counting_pause(true);
  if (idle_loop_possible() != 0) rcu_note_context_switch(); // as a command from another state (tests): no switch emulated
  local_irq_disable();
  rcu_idle_enter();
  local_irq_enable();
  ops_counting_pause(false);
}

/** Wake from hlt: local_irq_disable(); rcu_idle_exit(); local_irq_enable() (op counting paused). */
export function idle_loop_exit(): void {
  ops_counting_pause(true);
  local_irq_disable();
  rcu_idle_exit();
  local_irq_enable();
  ops_counting_pause(false);
}
