// Ids of the paths of the scenario mix (kernel/path_mix.ts run_path()). Exported whole by
// assembly/index.ts, so a new path is one line here; bindings/experiments/scenario-paths.ts
// names each by its PATH_* global. Ids are below NR_MIX_PATHS (16): PCPU_PATH_COUNTS has a
// slot for each.

/** Return to user mode and the next syscall from it, v5.6 order (kernel/entry_syscall.ts). */
export const PATH_SYSCALL_V5_6: u32 = 0;
/** The same in the v5.8 noinstr order. */
export const PATH_SYSCALL_V5_8: u32 = 1;
/** local_irq_disable(); local_irq_enable() with CONFIG_TRACE_IRQFLAGS, v5.6 trace_hardirqs_off/on. */
export const PATH_IRQ_OFF_ON_V5_6: u32 = 2;
/** The same with v5.8's trace_hardirqs_off/on. */
export const PATH_IRQ_OFF_ON_V5_8: u32 = 3;
/** A scheduling point: rcu_note_context_switch() (kernel/rcu/tree_plugin.h, v5.6, !PREEMPT_RCU). */
export const PATH_SCHED_POINT: u32 = 4;
/** One call of the tracepoint in task context, with the scenario's body (the probe alone or inside its read side). */
export const PATH_TRACEPOINT: u32 = 5;
/** A tick interrupt over a task in the kernel, v5.6 entry code (kernel/entry_irq.ts irq_from_task_v5_6, no nested tick). */
export const PATH_IRQ_FROM_TASK_V5_6: u32 = 6;
/** The same in the v5.8 entry code (idtentry_enter_cond_rcu). */
export const PATH_IRQ_FROM_TASK_V5_8: u32 = 7;
/** Return to user mode, a tick interrupt from user mode (TRACE_IRQS_OFF twice), the next syscall: v5.6. */
export const PATH_IRQ_FROM_USER_V5_6: u32 = 8;
/** The same in the v5.8 entry code. */
export const PATH_IRQ_FROM_USER_V5_8: u32 = 9;
/** One pass of the v5.6 idle loop (kernel/idle_loop.ts): trace_cpu_idle_rcuidle, rcu_idle_enter, hlt, the waking tick, rcu_idle_exit. */
export const PATH_IDLE_V5_6: u32 = 10;
/** An NMI over a task, v5.6 nmi_enter()/nmi_handle()/nmi_exit() (kernel/entry_nmi.ts). */
export const PATH_NMI_V5_6: u32 = 11;
