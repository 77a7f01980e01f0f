// The rcu-lab core: one module, instantiated once per emulated CPU over one shared
// memory. It allocates nothing and has no start function or data segment (DESIGN.md).
import { HDR_MAGIC, LAYOUT_MAGIC, PCPU_CPU_ID } from "./layout";
import { set_this_cpu } from "./percpu";
import { preempt_count_init } from "./preempt";
import { local_irq_enable } from "./irqflags";
import { READ_ONCE_u32, WRITE_ONCE_u32 } from "./primitives";
import { rcu_dynticks_init } from "./rcu/dynticks";
import { ct_init } from "./kernel/context_tracking";
import { this_cpu_ptr } from "./percpu";

export * from "./layout";
export { COUNTING_BUILD, NR_OP_KINDS, this_cpu_op_count } from "./primitives";
export { PREEMPT_ENABLED } from "./preempt";
export * from "./bench";
export * from "./bench_rcu";
export * from "./selftest";
export * from "./commands";
export { NR_USAGE_KINDS } from "./rcu/usage";

/**
 * Bring CPU `cpu` up in this instance (the per-CPU part of start_secondary()): set the
 * per-CPU base register and the boot values of the per-CPU state. Returns 0, or 1 when
 * the host has not initialised the machine header (a memory that is not ours).
 */
export function cpu_init(cpu: u32): u32 {
  if (READ_ONCE_u32(HDR_MAGIC) != LAYOUT_MAGIC) return 1;
  set_this_cpu(cpu);
  WRITE_ONCE_u32(this_cpu_ptr(PCPU_CPU_ID), cpu);
  preempt_count_init();
  local_irq_enable();
  rcu_dynticks_init();
  ct_init();
  return 0;
}
