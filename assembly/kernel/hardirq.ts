// Interrupt and NMI entry/exit as the emulated CPU runs them synchronously
// (kernel/softirq.c irq_enter/irq_exit and include/linux/hardirq.h nmi_enter/nmi_exit,
// v5.6). Only the parts that matter to RCU and tracing are emulated: the preempt-count
// fields and the RCU transitions; tick and softirq processing are left out.
import { rcu_irq_enter, rcu_irq_exit, rcu_nmi_enter, rcu_nmi_exit } from "../rcu/dynticks";
import { HARDIRQ_OFFSET, NMI_OFFSET, preempt_count_add, preempt_count_sub } from "../preempt";
import { local_irq_disable, local_irq_enable } from "../irqflags";

/** Hardware interrupt delivery: the CPU clears IF, then irq_enter() (kernel/softirq.c). */
export function irq_enter(): void {
  local_irq_disable();
  rcu_irq_enter();
  preempt_count_add(HARDIRQ_OFFSET); // __irq_enter()
}

/** irq_exit() (kernel/softirq.c), then the iret that sets IF again. */
export function irq_exit(): void {
  preempt_count_sub(HARDIRQ_OFFSET);
  rcu_irq_exit();
  local_irq_enable();
}

/** nmi_enter() (include/linux/hardirq.h, v5.6): preempt_count_add(NMI_OFFSET + HARDIRQ_OFFSET); rcu_nmi_enter(). */
export function nmi_enter(): void {
  preempt_count_add(NMI_OFFSET + HARDIRQ_OFFSET);
  rcu_nmi_enter();
}

/** nmi_exit() (include/linux/hardirq.h, v5.6): rcu_nmi_exit(); preempt_count_sub(NMI_OFFSET + HARDIRQ_OFFSET). */
export function nmi_exit(): void {
  rcu_nmi_exit();
  preempt_count_sub(NMI_OFFSET + HARDIRQ_OFFSET);
}
