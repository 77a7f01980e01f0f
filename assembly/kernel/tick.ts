// The scheduling-clock interrupt as RCU sees it (kernel/time/tick-sched.c
// tick_sched_handle() -> kernel/time/timer.c update_process_times(user_mode(regs)) ->
// rcu_sched_clock_irq(user), v5.6), taken where interrupts are enabled: the `tick` probe
// takes one inside a tracepoint's probe. The commands' scheduler_tick() (commands.ts) is
// the same sequence with its own broken variant.
import { HARDIRQ_OFFSET, preempt_count_add, preempt_count_sub } from "../preempt";
import { local_irq_disable, local_irq_enable } from "../irqflags";
import { rcu_is_watching } from "../rcu/dynticks";
import { rcu_sched_clock_irq } from "../rcu/tree_qs";
import { FAULT_IRQ_ENTRY_WATCHING_SHORTCUT, fault_active } from "../rcu/faults";
import { irq_enter, irq_exit } from "./hardirq";
import { interrupted_user_mode } from "./context_tracking";

/**
 * A scheduling-clock interrupt now: user_mode(regs) sampled before irq_enter(), then
 * irq_enter() (rcu_irq_enter(), unconditional: v5.8's irqentry_enter() does the same for
 * the idle task, whose comment says a rcu_is_watching() shortcut would let a nested tick
 * "claim quiescient state and end grace periods prematurely"), rcu_sched_clock_irq(user),
 * irq_exit(). Returns 1 when the tick reported a quiescent state.
 * Broken variant FAULT_IRQ_ENTRY_WATCHING_SHORTCUT: 3eeec3858488's idtentry_enter_cond_rcu()
 * (x86/entry, v5.8-rc; fixed by 0bf3924bfabd): rcu_irq_enter() only when RCU is not
 * watching. Inside an rcuidle section of the idle loop (dynticks_nmi_nesting 1,
 * dynticks_nesting 0) the tick then passes rcu_is_cpu_rrupt_from_idle() and reports a
 * quiescent state under the reader.
 */
export function sched_clock_interrupt(): u32 {
  const user: u32 = interrupted_user_mode() ? 1 : 0;
  if (fault_active(FAULT_IRQ_ENTRY_WATCHING_SHORTCUT) && rcu_is_watching()) {
    local_irq_disable();
    preempt_count_add(HARDIRQ_OFFSET);
    const r = rcu_sched_clock_irq(user);
    preempt_count_sub(HARDIRQ_OFFSET);
    local_irq_enable();
    return r;
  }
  irq_enter();
  const r = rcu_sched_clock_irq(user);
  irq_exit();
  return r;
}
