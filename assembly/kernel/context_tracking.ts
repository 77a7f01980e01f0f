// Context tracking's per-CPU state (include/linux/context_tracking_state.h and
// kernel/context_tracking.c, v5.6, CONFIG_CONTEXT_TRACKING for NO_HZ_FULL): whether the
// CPU has returned to user space. __context_tracking_enter(CONTEXT_USER) calls
// rcu_user_enter() and then sets context_tracking.state; __context_tracking_exit() calls
// rcu_user_exit() and sets CONTEXT_KERNEL. The emulation has no separate context-tracking
// layer: rcu_user_enter/exit (rcu/dynticks.ts) stand for those two callers and keep it.
// It is what user_mode(regs) is derived from when an interrupt arrives.
import { PCPU_CT_STATE, PCPU_PREEMPT_COUNT } from "../layout";
import { PREEMPT_NEED_RESCHED } from "../preempt";
import { cpu_reg_read_u32, this_cpu_write_u32 } from "../primitives";

/** enum ctx_state (context_tracking_state.h): in the kernel. */
export const CONTEXT_KERNEL: u32 = 0;
/** enum ctx_state: returned to user space. */
export const CONTEXT_USER: u32 = 1;

/** Boot value: DEFINE_PER_CPU(struct context_tracking, context_tracking) is zeroed: CONTEXT_KERNEL. */
export function ct_init(): void {
  this_cpu_write_u32(PCPU_CT_STATE, CONTEXT_KERNEL);
}

/** __this_cpu_write(context_tracking.state, state) in __context_tracking_enter/exit(). */
@inline export function ct_state_set(state: u32): void {
  this_cpu_write_u32(PCPU_CT_STATE, state);
}

/**
 * user_mode(regs) (arch/x86/include/asm/ptrace.h, v5.6) for an interrupt arriving now:
 * the interrupted context is user mode iff the CPU has returned to user space
 * (context_tracking.state == CONTEXT_USER) and is not running kernel code on top of it:
 * no hardirq, NMI or softirq handler and no preempt-disabled region (preempt_count() ==
 * 0). An interrupt nested in a handler that was taken from user mode interrupts that
 * handler: kernel mode. Must be sampled before irq_enter() adds HARDIRQ_OFFSET. The
 * saved CS of the kernel's pt_regs is a register, so this reads without counting ops.
 */
@inline export function interrupted_user_mode(): bool {
  if (cpu_reg_read_u32(PCPU_CT_STATE) != CONTEXT_USER) return false;
  return (cpu_reg_read_u32(PCPU_PREEMPT_COUNT) & ~PREEMPT_NEED_RESCHED) == 0;
}
