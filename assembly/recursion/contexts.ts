// Interrupt contexts of the recursion lab, only as far as the guards see them: the preempt
// count's level and the stack in use (x86-64, v5.6). The RCU side of irq_enter()/nmi_enter()
// is the kernel-paths code's (assembly/kernel/hardirq.ts); no guard reads it.
//   IRQ from kernel mode (arch/x86/entry/entry_64.S interrupt_entry, then do_IRQ()):
//     ENTER_IRQ_STACK (switch unless this CPU's irq_count says it is already on the IRQ stack),
//     TRACE_IRQS_OFF (trace_hardirqs_off: the irq_disable tracepoint, preempt count NOT yet
//     updated), irq_enter() (HARDIRQ_OFFSET), the handler, irq_exit(), LEAVE_IRQ_STACK.
//     (trace_hardirqs_off's tracing_irq_cpu is 0 here: the interrupted code had interrupts on.)
//   NMI: its own IST stack; nmi_enter() adds NMI_OFFSET + HARDIRQ_OFFSET (v5.6).
//   Softirq (do_softirq_own_stack, v5.6 x86-64): on the IRQ stack; __do_softirq():
//     __local_bh_disable_ip(SOFTIRQ_OFFSET), trace_softirq_entry, the action, then re-enable.
// Each is a frame of the emulated stack; an interrupt starts a new synchronous chain.
import { PCPU_REC_CPU, REC_FLAG_PTR, REC_IRQ_COUNT } from "../layout";
import { HARDIRQ_OFFSET, NMI_OFFSET, SOFTIRQ_OFFSET, preempt_count_add, preempt_count_sub } from "../preempt";
import { cpu_reg_read_u32, cpu_reg_write_u32 } from "../primitives";
import { RL_SYNC, ST_INTERRUPTS, frame_pop, frame_push, lab_get, lab_set, stat_inc } from "./lab";
import { STACK_IRQ, STACK_NMI, current_stack, restore_stack, switch_stack } from "./stacks";
import { TP_IRQ, TP_IRQ_OFF, TP_NMI, TP_SOFTIRQ, deliver_pending, rec_tracepoint } from "./tracer";

/** ENTER_IRQ_STACK: `incl irq_count; jnz` (already on the IRQ stack: stay). Returns what leave_irq_stack needs. */
function enter_irq_stack(): u32 {
  const cnt = cpu_reg_read_u32(PCPU_REC_CPU + REC_IRQ_COUNT);
  cpu_reg_write_u32(PCPU_REC_CPU + REC_IRQ_COUNT, cnt + 1);
  if (cnt == 0) return switch_stack(STACK_IRQ);
  return cpu_reg_read_u32(PCPU_REC_CPU + REC_FLAG_PTR) | current_stack();
}

function leave_irq_stack(saved: u32): void {
  restore_stack(saved);
  cpu_reg_write_u32(PCPU_REC_CPU + REC_IRQ_COUNT, cpu_reg_read_u32(PCPU_REC_CPU + REC_IRQ_COUNT) - 1);
}

/** A hardware interrupt taken now (interrupts enabled, kernel mode). */
export function lab_irq(): void {
  if (!frame_push()) return;
  stat_inc(ST_INTERRUPTS);
  const saved = enter_irq_stack();
  const sync = lab_get(RL_SYNC);
  lab_set(RL_SYNC, 0);
  rec_tracepoint(TP_IRQ_OFF); // TRACE_IRQS_OFF: on the IRQ stack, at the interrupted level
  preempt_count_add(HARDIRQ_OFFSET); // irq_enter()
  rec_tracepoint(TP_IRQ);
  deliver_pending();
  preempt_count_sub(HARDIRQ_OFFSET); // irq_exit()
  lab_set(RL_SYNC, sync);
  leave_irq_stack(saved);
  frame_pop();
}

/** A non-maskable interrupt taken now. */
export function lab_nmi(): void {
  if (!frame_push()) return;
  stat_inc(ST_INTERRUPTS);
  const saved = switch_stack(STACK_NMI);
  const sync = lab_get(RL_SYNC);
  lab_set(RL_SYNC, 0);
  preempt_count_add(NMI_OFFSET + HARDIRQ_OFFSET); // nmi_enter()
  rec_tracepoint(TP_NMI);
  preempt_count_sub(NMI_OFFSET + HARDIRQ_OFFSET); // nmi_exit()
  lab_set(RL_SYNC, sync);
  restore_stack(saved);
  frame_pop();
}

/** Softirqs run now on this CPU (from irq_exit() or local_bh_enable()). */
export function lab_softirq(): void {
  if (!frame_push()) return;
  stat_inc(ST_INTERRUPTS);
  const saved = enter_irq_stack();
  const sync = lab_get(RL_SYNC);
  lab_set(RL_SYNC, 0);
  preempt_count_add(SOFTIRQ_OFFSET);
  rec_tracepoint(TP_SOFTIRQ);
  deliver_pending(); // interrupts are enabled while softirqs run
  preempt_count_sub(SOFTIRQ_OFFSET);
  lab_set(RL_SYNC, sync);
  leave_irq_stack(saved);
  frame_pop();
}
