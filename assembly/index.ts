// The rcu-lab core: one module, instantiated once per emulated CPU over one shared
// memory. It allocates nothing and has no start function or data segment (docs/architecture.md).
import { HDR_MAGIC, LAYOUT_MAGIC, PCPU_CPU_ID } from "./layout";
import { set_this_cpu } from "./percpu";
import { preempt_count_init } from "./preempt";
import { local_irq_enable } from "./irqflags";
import { READ_ONCE_u32, WRITE_ONCE_u32, ops_counting_pause } from "./primitives";
import { rcu_dynticks_init } from "./rcu/dynticks";
import { ct_init } from "./kernel/context_tracking";
import { tracing_irq_cpu_init } from "./kernel/trace_preemptirq";
import { set_cpu_online } from "./kernel/cpumask";
import { this_cpu_ptr } from "./percpu";

export * from "./layout";
export { COUNTING_BUILD, NR_OP_KINDS, this_cpu_op_count } from "./primitives";
export { PREEMPT_ENABLED } from "./preempt";
export * from "./bench";
export * from "./bench_rcu";
export * from "./selftest";
export * from "./commands";
// Constants the TypeScript side reads from the module instead of copying them
// (bindings/abi/constants.ts names and checks each).
export {
  USAGE_SYNC_IN_ATOMIC, USAGE_UNBALANCED_UNLOCK, USAGE_IRQ_EXIT_WITHOUT_ENTER, USAGE_SRCU_IN_NMI, USAGE_SRCU_FAST_NOT_WATCHING,
  USAGE_SCHED_IN_ATOMIC, USAGE_EQS_ENTER, USAGE_EQS_EXIT, USAGE_NOT_WATCHING, USAGE_CB_OVERFLOW, USAGE_NMI_NESTING,
  USAGE_IRQS_ENABLED, USAGE_DYNTICKS_UNDERFLOW, USAGE_SYNC_IN_SRCU_READER, NR_USAGE_KINDS,
} from "./rcu/usage";
export {
  FAULT_GP_SKIP_CPU, FAULT_GP_IGNORE_NESTING, FAULT_GP_ACCEPT_STALE, FAULT_SRCU_NO_FLIP, FAULT_SRCU_NO_SCAN1, FAULT_READER_IN_EQS,
  FAULT_SCHED_PREEMPT_MASK_ONLY, FAULT_TICK_TRUSTS_USER, FAULT_NMI_NEST_UNCHECKED, FAULT_SRCU_SYNC_UNCHECKED, FAULT_IRQ_ENTRY_WATCHING_SHORTCUT,
  FAULT_TRACE_IRQ_NO_GUARD, FAULT_ENTRY_PLAIN_TRACEPOINT, FAULT_IRQ_EXIT_IGNORES_RCU_EXIT, FAULT_IDLE_PLAIN_TRACEPOINT,
  FAULT_NMI_TRACE_BEFORE_RCU, FAULT_PREEMPT_TRACE_EVERY_LEVEL,
  FAULT_RCUIDLE_BODY_IGNORED, FAULT_SRCU_NO_BARRIER_B, FAULT_EXP_QS_IN_READER,
} from "./rcu/faults";
export { FAULT_REC_GUARD_BROKEN, FAULT_POKE_EMULATES_OLD } from "./rcu/faults";
export { OP_READ_ONCE, OP_WRITE_ONCE, OP_THIS_CPU_RMW, OP_ATOMIC_RMW, OP_SMP_MB, OP_STORE_RELEASE, OP_BRANCH, OP_INDIRECT_CALL, OP_CALL, OP_IRQ_SAVE, OP_IRQ_RESTORE } from "./primitives";
export { RCU_SEQ_CTR_SHIFT, RCU_SEQ_STATE_MASK } from "./rcu/rcu_seq";
export { MIGHT_SLEEP_IRQS_OFF } from "./rcu/update";
// The kernel's clock and the timing parameters derived from it (Machine.timing reports them).
export { HZ, JIFFY_US } from "./kernel/jiffies";
export { RCU_JIFFIES_TILL_FORCE_QS, RCU_JIFFIES_FQS_DIV } from "./rcu/tree_gp";
export { SRCU_INTERVAL, SRCU_RETRY_CHECK_DELAY_US, SRCU_EXP_HOLDOFF_US } from "./rcu/srcutree";
export { SRCU_FLAVOR_NONE, SRCU_FLAVOR_NORMAL, SRCU_FLAVOR_FAST } from "./rcu/srcutree";
export { GP_DOMAIN_RCU, GP_DOMAIN_SRCU_BASE, GP_DOMAIN_RCU_EXP, GP_REQ_NORMAL, GP_REQ_SYNC, GP_REQ_EXPEDITED } from "./rcu/flavor";
export { IRQ_SCHED_OFF, IRQ_SCHED_TICK, IRQ_SCHED_EVERY, IRQ_SCHED_RANDOM, IRQ_ENTRY_V5_6, IRQ_ENTRY_X86_V5_6, IRQ_ENTRY_X86_V5_8, NR_IRQ_ENTRIES } from "./kernel/irq_delivery";
export { IRQ_VEC_DEVICE, IRQ_VEC_TIMER, IRQ_VEC_CALL_FUNCTION, CSD_RCU_EXP_HANDLER } from "./kernel/smp";
export { TORTURE_RCU, TORTURE_SRCU, TORTURE_SRCU_FAST } from "./torture/rcutorture";
export { TPCTX_TASK, TPCTX_IRQ, TPCTX_IDLE, TPCTX_NMI, TPCTX_IRQ_IDLE, TPCTX_NMI_IDLE } from "./tracepoint/torture";
export { TP_SRCU, TP_SRCU_FAST } from "./tracepoint/strategies";
export { TP_RELEASE_RCU, TP_RELEASE_RCU_SRCU } from "./tracepoint/probes_arena";
// Scenarios: the path ids of the mix, the rcuidle tracepoint's bodies, the timeline events of the tracing build.
export * from "./kernel/path_ids";
export {
  RCUIDLE_BODY_SRCU_IRQ, RCUIDLE_BODY_IRQ, RCUIDLE_BODY_SRCU, RCUIDLE_BODY_WATCHING, RCUIDLE_BODY_NOINSTR_LOCKDEP, RCUIDLE_BODY_PLAIN,
  RCUIDLE_BODY_SRCU_FAST, NR_RCUIDLE_BODIES,
} from "./kernel/trace_preemptirq";
export {
  TRACING_BUILD, TEV_PROBE, TEV_PATH_BEGIN, TEV_PATH_END, TEV_TP_BEGIN, TEV_TP_END, TEV_DANCE_BEGIN, TEV_DANCE_END, TEV_NESTING, TEV_GP_START,
  TEV_GP_END, NR_TEV_KINDS, DANCE_RCU_IRQ_ENTER_IRQSON, DANCE_RCU_IRQ_EXIT_IRQSON, DANCE_RCU_IRQ_ENTER, DANCE_RCU_IRQ_EXIT,
  DANCE_RCU_IRQ_ENTER_IRQSON_V4_18, DANCE_RCU_IRQ_EXIT_IRQSON_V4_18, NR_DANCE_STEPS,
} from "./tracepoint/trace_events";
export { EEXIST, ENOENT, ENOMEM, EINVAL, ENOSPC, TRACEPOINT_DEFAULT_PRIO } from "./tracepoint/tracepoint";

/**
 * Bring CPU `cpu` up in this instance (the per-CPU part of start_secondary()): set the
 * per-CPU base register and the boot values of the per-CPU state, and mark it online in
 * cpu_online_mask. Returns 0, or 1 when
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
  tracing_irq_cpu_init();
  // set_cpu_online() of the CPU's bring-up: boot work, not part of any command's op counts
  ops_counting_pause(true);
  set_cpu_online(cpu, 1);
  ops_counting_pause(false);
  return 0;
}
export { IRQ_FROM_USER, IRQ_FROM_TASK, IRQ_FROM_IDLE, IRQ_FROM_USER_NOHZ_FULL } from "./kernel/entry_irq";
// The recursion lab: guards, scenarios, the guards' measured loops, and the
// building blocks a host may drive step by step.
export {
  GUARD_NONE, GUARD_BPF_PROG_ACTIVE, GUARD_FTRACE_BITS, GUARD_PERF_CONTEXT, GUARD_STACK_FLAG, GUARD_STACK_FLAG_PER_TRACER, NR_REC_GUARDS,
} from "./recursion/guards";
export {
  SCEN_TRAP_PF, SCEN_TRAP_DB, SCEN_IRQ_IN_PROBE, SCEN_IRQ_ENTRY, SCEN_NMI_IN_IRQ, SCEN_IRQ_IN_SOFTIRQ, SCEN_PATCH_INT3_V5_6,
  SCEN_PATCH_INT3_NOINSTR, SCEN_TRACERS_EACH_OTHER, SCEN_MIGRATE, SCEN_PREEMPT_IN_PROBE, SCEN_PATCH_INT3_TRACED, SCEN_RANDOM, NR_REC_SCENARIOS,
  rec_scenario_run, rec_lab_reset, rec_lab_guard, rec_lab_enable, rec_lab_action, rec_lab_pending,
} from "./recursion/scenarios";
export {
  REC_STACK_LIMIT, REC_LAB_SIZE, RL_STATS, NR_REC_STATS, ST_ATTEMPTS_LEGIT, ST_ATTEMPTS_RECURSIVE, ST_RECORDED_LEGIT, ST_RECORDED_RECURSIVE, ST_LOST,
  ST_STOPPED, ST_MAX_DEPTH, ST_CRASHES, ST_TRAPS, ST_INTERRUPTS, ST_LEFTOVER, ST_TOP, TRACER_A, TRACER_B,
} from "./recursion/lab";
export {
  TP_TASK, TP_TRAP, TP_IRQ, TP_NMI, TP_IRQ_OFF, TP_SOFTIRQ, TP_IN_A, TP_IN_B, ACT_FAULT, ACT_CALL_HELPER, ACT_MIGRATE, PEND_IRQ, PEND_NMI,
  PEND_NMI_IN_IRQ, rec_tracepoint,
} from "./recursion/tracer";
export { lab_irq, lab_nmi, lab_softirq } from "./recursion/contexts";
export { TRAP_PF, TRAP_DB, lab_trap } from "./recursion/traps";
export { SITE_BSEARCH, text_poke_bp_batch_prepare, text_poke_bp_step } from "./recursion/text_poke_bp";
export {
  rec_guard_loop_none, rec_guard_loop_bpf_prog_active, rec_guard_loop_ftrace_bits, rec_guard_loop_perf_context, rec_guard_loop_stack_flag,
  rec_guard_loop_stack_flag_per_tracer,
} from "./recursion/guard_loops";
