// Cross-CPU function calls (kernel/smp.c smp_call_function_single(), v5.6), the sending
// half: queue the request on the target CPU (llist_add of the csd to its call_single_queue)
// and send the call-function IPI (arch_send_call_function_single_ipi(): an x2APIC ICR
// write). The emulated target takes the IPI at its next interrupt-enabled point, or wakes
// from its idle loop for it (kernel/irq_delivery.ts, the receiving half). Nothing here is
// counted: the request word and the IPI are the emulated interrupt controller's; the
// sender's own kernel work (the kthread's) is not measured.
import { MAILBOX_BASE, MAILBOX_STRIDE, MB_REQ_SEQ, PCPU_IRQ_PENDING, IRQ_CSD } from "../layout";
import { per_cpu_ptr } from "../percpu";
import { emulator_kick, emulator_or_u32 } from "../primitives";

/** Pending-interrupt vectors (bits of the PCPU_IRQ_PENDING word), lowest priority first. */
export const IRQ_VEC_DEVICE: u32 = 1 << 0; //        a device interrupt (the schedule's; handle_irq of a device that does nothing RCU sees)
export const IRQ_VEC_TIMER: u32 = 1 << 1; //         LOCAL_TIMER_VECTOR: the scheduling-clock tick
export const IRQ_VEC_CALL_FUNCTION: u32 = 1 << 2; // CALL_FUNCTION_SINGLE_VECTOR: an IPI from another CPU
export const IRQ_VEC_ALL: u32 = IRQ_VEC_DEVICE | IRQ_VEC_TIMER | IRQ_VEC_CALL_FUNCTION;

/** Functions a call-function IPI can carry (bits of the csd word): rcu_exp_handler (tree_exp.h). */
export const CSD_RCU_EXP_HANDLER: u32 = 1 << 0;

/** Raise vector bits on CPU `cpu` and wake it if it sleeps in its idle loop (its mailbox word). */
export function irq_raise(cpu: u32, vectors: u32): void {
  emulator_or_u32(per_cpu_ptr(PCPU_IRQ_PENDING, cpu), vectors);
  emulator_kick(<usize>MAILBOX_BASE + <usize>cpu * MAILBOX_STRIDE + MB_REQ_SEQ);
}

/**
 * smp_call_function_single(cpu, func, NULL, 0) (kernel/smp.c, v5.6): queue `csd` (CSD_* bits,
 * 0 for an IPI that carries no function) on CPU `cpu`, then send the IPI. The csd is
 * published before the vector (two sequentially consistent RMWs): a target that takes the
 * vector finds the request; pairs with the take of the vector, then of the csd, in
 * generic_smp_call_function_single_interrupt() (irq_delivery.ts).
 */
export function smp_call_function_single(cpu: u32, csd: u32): void {
  if (csd != 0) emulator_or_u32(per_cpu_ptr(PCPU_IRQ_PENDING, cpu) + IRQ_CSD, csd);
  irq_raise(cpu, IRQ_VEC_CALL_FUNCTION);
}
