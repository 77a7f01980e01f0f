// Interrupt and NMI entry/exit as the emulated CPU runs them synchronously
// (kernel/softirq.c irq_enter/irq_exit and include/linux/hardirq.h nmi_enter/nmi_exit,
// v5.6). Only the parts that matter to RCU and tracing are emulated: the preempt-count
// fields and the RCU transitions; tick and softirq processing are left out.
import { rcu_irq_enter, rcu_irq_exit, rcu_nmi_enter, rcu_nmi_exit } from "../rcu/dynticks";
import { HARDIRQ_OFFSET, NMI_OFFSET, in_nmi, preempt_count_add, preempt_count_sub } from "../preempt";
import { local_irq_disable, local_irq_enable } from "../irqflags";
import { branch } from "../primitives";
import { FAULT_NMI_NEST_UNCHECKED, fault_active } from "../rcu/faults";
import { USAGE_NMI_NESTING, usage_error } from "../rcu/usage";

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

/**
 * nmi_enter() (include/linux/hardirq.h, v5.6): BUG_ON(in_nmi());
 * preempt_count_add(NMI_OFFSET + HARDIRQ_OFFSET); rcu_nmi_enter(). NMIs do not nest in
 * v5.6 (NMI_BITS is 1; v5.7 widened it to 4): a second NMI_OFFSET would carry into the
 * HARDIRQ bits (0x110000 + 0x110000 = 0x220000) and in_nmi() would turn false. The BUG
 * is a counted usage error (nmi-nesting) and the nested entry is refused, state
 * unchanged. Broken variant FAULT_NMI_NEST_UNCHECKED: no check (the old emulation).
 * (Read in the v5.6 hardirq.h that Peter Zijlstra's Feb 2020 patches quote as context,
 * index da0af631ded5, before "nmi_enter() can nest up to 15 times" of v5.7.)
 */
export function nmi_enter(): void {
  if (branch(in_nmi()) && !fault_active(FAULT_NMI_NEST_UNCHECKED)) {
    usage_error(USAGE_NMI_NESTING);
    return;
  }
  preempt_count_add(NMI_OFFSET + HARDIRQ_OFFSET);
  rcu_nmi_enter();
}

/**
 * nmi_exit() (include/linux/hardirq.h, v5.6): rcu_nmi_exit(); BUG_ON(!in_nmi());
 * preempt_count_sub(NMI_OFFSET + HARDIRQ_OFFSET). Outside an NMI the exit is refused
 * before rcu_nmi_exit() (a counted nmi-nesting usage error, state unchanged): it pairs
 * with a refused nested nmi_enter(), or with none. Broken variant FAULT_NMI_NEST_UNCHECKED: no check.
 */
export function nmi_exit(): void {
  if (branch(!in_nmi()) && !fault_active(FAULT_NMI_NEST_UNCHECKED)) {
    usage_error(USAGE_NMI_NESTING);
    return;
  }
  rcu_nmi_exit();
  preempt_count_sub(NMI_OFFSET + HARDIRQ_OFFSET);
}
