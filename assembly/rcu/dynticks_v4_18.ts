// rcu_irq_enter()/rcu_irq_exit() and their _irqson wrappers as kernel/rcu/tree.c had them
// in v4.18, for the rcuidle-irq strategy (rcuidle tracepoints up to v4.18). They run on the
// same per-CPU state as v5.6 (dynticks.ts: the dynticks encoding and the nesting counters
// did not change between the two), but take another path: v4.18's rcu_irq_enter() tests
// ->dynticks_nmi_nesting itself and calls rcu_nmi_enter(), where v5.6's inlines
// rcu_nmi_enter_common().
//
// Read: rcu_irq_enter() and rcu_nmi_enter() of the struct rcu_dynticks era (v4.15-v4.19),
// function-level extracts of kernel/rcu/tree.c in the code index, and
// rcu_dynticks_task_enter/exit() of kernel/rcu/tree_plugin.h. rcu_irq_exit() and
// rcu_nmi_exit() follow the same file's symmetric code (the v4.18 text of rcu_irq_exit()
// itself was not found in the indexed copies: unverified).
//
// Configuration: CONFIG_TASKS_RCU=y, CONFIG_NO_HZ_FULL=y (rcu_dynticks_task_exit/enter()
// write current->rcu_tasks_idle_cpu, so their `dynticks_nmi_nesting == 0` tests stay) and
// CONFIG_RCU_FAST_NO_HZ=n (rcu_cleanup_after_idle()/rcu_prepare_for_idle() are empty, so the
// compiler drops their `dynticks_nmi_nesting == 1` tests: not emulated, not counted).
//
// Out-of-line calls (counted as `call`): rcu_irq_enter_irqson, rcu_irq_enter, rcu_nmi_enter
// and the exit side's three. All are global functions of tree.c that irq_enter()/nmi_enter()
// also call; we assume gcc -O2 keeps them out of line as it does for exported functions
// with several callers (not checked against a v4.18 object file). rcu_dynticks_task_*() and
// rcu_dynticks_eqs_*() are static and small: inlined.
import { DANCE_RCU_IRQ_ENTER_IRQSON_V4_18, DANCE_RCU_IRQ_EXIT_IRQSON_V4_18, trace_dance_begin, trace_dance_end } from "../tracepoint/trace_events";
import { PCPU_RCU_NMI_NESTING, PCPU_TP, TPS_CURRENT, TPS_TASKS_IDLE_CPU } from "../layout";
import { local_irq_restore, local_irq_save } from "../irqflags";
import { barrier, branch, out_of_line_call, this_cpu_read_i64, this_cpu_read_u32, this_cpu_write_i64, this_cpu_write_u32 } from "../primitives";
import { raw_smp_processor_id } from "../kernel/cpumask";
import { rcu_dynticks_curr_cpu_in_eqs, rcu_dynticks_eqs_enter, rcu_dynticks_eqs_exit } from "./dynticks";
import { USAGE_DYNTICKS_UNDERFLOW, USAGE_IRQ_EXIT_WITHOUT_ENTER, usage_error } from "./usage";

/** rcu_dynticks_task_exit() (tree_plugin.h, v4.18): WRITE_ONCE(current->rcu_tasks_idle_cpu, -1). */
@inline function rcu_dynticks_task_exit(): void {
  this_cpu_read_u32(PCPU_TP + TPS_CURRENT); // current: this_cpu_read(current_task)
  this_cpu_write_u32(PCPU_TP + TPS_TASKS_IDLE_CPU, <u32>-1);
}

/** rcu_dynticks_task_enter() (tree_plugin.h, v4.18): WRITE_ONCE(current->rcu_tasks_idle_cpu, smp_processor_id()). */
@inline function rcu_dynticks_task_enter(): void {
  this_cpu_read_u32(PCPU_TP + TPS_CURRENT);
  this_cpu_write_u32(PCPU_TP + TPS_TASKS_IDLE_CPU, raw_smp_processor_id());
}

/**
 * rcu_nmi_enter() (tree.c, v4.18): WARN_ON_ONCE(->dynticks_nmi_nesting < 0); if RCU is not
 * watching, leave the EQS and count 1, otherwise count 2.
 */
function rcu_nmi_enter_v4_18(): void {
  out_of_line_call();
  if (branch(this_cpu_read_i64(PCPU_RCU_NMI_NESTING) < 0)) usage_error(USAGE_DYNTICKS_UNDERFLOW);
  let incby: i64 = 2;
  if (branch(rcu_dynticks_curr_cpu_in_eqs())) {
    rcu_dynticks_eqs_exit();
    incby = 1;
  }
  this_cpu_write_i64(PCPU_RCU_NMI_NESTING, this_cpu_read_i64(PCPU_RCU_NMI_NESTING) + incby);
  barrier();
}

/**
 * rcu_nmi_exit() (tree.c, v4.18): WARN_ON_ONCE(->dynticks_nmi_nesting <= 0) and
 * WARN_ON_ONCE(rcu_dynticks_curr_cpu_in_eqs()); subtract 2, or in the outermost handler
 * that interrupted an EQS set 0 and re-enter it. A bad exit is refused and counted.
 */
function rcu_nmi_exit_v4_18(): void {
  out_of_line_call();
  const bad_nesting = branch(this_cpu_read_i64(PCPU_RCU_NMI_NESTING) <= 0);
  const bad_eqs = branch(rcu_dynticks_curr_cpu_in_eqs());
  if (bad_nesting || bad_eqs) {
    usage_error(USAGE_IRQ_EXIT_WITHOUT_ENTER);
    return;
  }
  const nesting = this_cpu_read_i64(PCPU_RCU_NMI_NESTING);
  if (branch(nesting != 1)) {
    this_cpu_write_i64(PCPU_RCU_NMI_NESTING, nesting - 2);
    return;
  }
  this_cpu_write_i64(PCPU_RCU_NMI_NESTING, 0); // avoid store tearing
  rcu_dynticks_eqs_enter();
}

/**
 * rcu_irq_enter() (tree.c, v4.18): lockdep_assert_irqs_disabled();
 * if (->dynticks_nmi_nesting == 0) rcu_dynticks_task_exit(); rcu_nmi_enter();
 * (the `== 1` test of rcu_cleanup_after_idle() is compiled out: CONFIG_RCU_FAST_NO_HZ=n).
 */
export function rcu_irq_enter_v4_18(): void {
  out_of_line_call();
  if (branch(this_cpu_read_i64(PCPU_RCU_NMI_NESTING) == 0)) rcu_dynticks_task_exit();
  rcu_nmi_enter_v4_18();
}

/**
 * rcu_irq_exit() (tree.c, v4.18): rcu_nmi_exit();
 * if (->dynticks_nmi_nesting == 0) rcu_dynticks_task_enter(); (the `== 1` test of
 * rcu_prepare_for_idle() before it is compiled out: CONFIG_RCU_FAST_NO_HZ=n).
 */
export function rcu_irq_exit_v4_18(): void {
  out_of_line_call();
  rcu_nmi_exit_v4_18();
  if (branch(this_cpu_read_i64(PCPU_RCU_NMI_NESTING) == 0)) rcu_dynticks_task_enter();
}

/** rcu_irq_enter_irqson() (tree.c, v4.18): local_irq_save(); rcu_irq_enter(); local_irq_restore(). */
export function rcu_irq_enter_irqson_v4_18(): void {
  trace_dance_begin(DANCE_RCU_IRQ_ENTER_IRQSON_V4_18); // tracing build only
  out_of_line_call();
  const flags = local_irq_save();
  rcu_irq_enter_v4_18();
  local_irq_restore(flags);
  trace_dance_end(DANCE_RCU_IRQ_ENTER_IRQSON_V4_18);
}

/** rcu_irq_exit_irqson() (tree.c, v4.18): local_irq_save(); rcu_irq_exit(); local_irq_restore(). */
export function rcu_irq_exit_irqson_v4_18(): void {
  trace_dance_begin(DANCE_RCU_IRQ_EXIT_IRQSON_V4_18); // tracing build only
  out_of_line_call();
  const flags = local_irq_save();
  rcu_irq_exit_v4_18();
  local_irq_restore(flags);
  trace_dance_end(DANCE_RCU_IRQ_EXIT_IRQSON_V4_18);
}
