// The traced interrupt and preemption toggles, v5.6: local_irq_disable()/local_irq_enable()
// (include/linux/irqflags.h, CONFIG_TRACE_IRQFLAGS: `raw_local_irq_disable();
// trace_hardirqs_off();` and `trace_hardirqs_on(); raw_local_irq_enable();`, the tracepoints
// irq_disable/irq_enable inside trace_hardirqs_off/on, kernel/trace_preemptirq.ts) and v5.8's
// (the same macros, v5.8's trace_hardirqs_off/on); preempt_disable()/preempt_enable() with
// the preempt_disable/preempt_enable tracepoints (kernel/sched/core.c preempt_count_add/sub,
// out of line under CONFIG_TRACE_PREEMPT_TOGGLE, and kernel/trace/trace_preemptirq.c
// trace_preempt_off/on, v5.6).
//
// Copies read: trace_preempt_on/off in the v5.6 trace_preemptirq.c pre-images of the 2020 patches
// (`if (!in_nmi()) trace_preempt_enable_rcuidle(a0, a1); tracer_preempt_on(a0, a1);`);
// preempt_count_add/sub and preempt_latency_start/stop (`if (preempt_count() == val)`) in
// the v5.x kernel/sched/core.c of the code index; the irqflags.h macros in the v5.6 pre-image
// of tglx's "lockdep: Prepare for noinstr sections" (v5.8 series).
//
// The preempt tracepoints are v5.6's rcuidle ones, trace_X_rcuidle(): the same code as
// trace_preemptirq.ts runs for irq_disable/irq_enable (the scenario's rcuidle body, default rcuidle-srcu-irq).
// tracer_preempt_on/off (the preemptoff latency tracer) are not configured: empty.
import { PCPU_PREEMPT_COUNT, NR_TRACEPOINTS } from "../layout";
import { local_irq_disable, local_irq_enable } from "../irqflags";
import { in_nmi, preempt_count, preempt_count_add, preempt_count_sub } from "../preempt";
import { barrier, branch, out_of_line_call, this_cpu_read_u32 } from "../primitives";
import { FAULT_PREEMPT_TRACE_EVERY_LEVEL, fault_injected } from "../rcu/faults";
import { tracepoint } from "../tracepoint/tracepoint";
import { trace_hardirqs_off_v5_6, trace_hardirqs_off_v5_8, trace_hardirqs_on_v5_6, trace_hardirqs_on_v5_8, trace_irq_rcuidle } from "./trace_preemptirq";

/** local_irq_disable() (v5.6, CONFIG_TRACE_IRQFLAGS): cli; trace_hardirqs_off(). */
export function local_irq_disable_traced_v5_6(id: u32): void {
  local_irq_disable();
  trace_hardirqs_off_v5_6(id);
}

/** local_irq_enable() (v5.6): trace_hardirqs_on(); sti. */
export function local_irq_enable_traced_v5_6(id: u32): void {
  trace_hardirqs_on_v5_6(id);
  local_irq_enable();
}

/** local_irq_disable() (v5.8): cli; trace_hardirqs_off() (lockdep first, then the rcuidle tracepoint). */
export function local_irq_disable_traced_v5_8(id: u32): void {
  local_irq_disable();
  trace_hardirqs_off_v5_8(id);
}

/** local_irq_enable() (v5.8): trace_hardirqs_on(); sti. */
export function local_irq_enable_traced_v5_8(id: u32): void {
  trace_hardirqs_on_v5_8(id);
  local_irq_enable();
}

/**
 * trace_preempt_off()/trace_preempt_on() (kernel/trace/trace_preemptirq.c, v5.6): out of line;
 * `if (!in_nmi()) trace_preempt_disable_rcuidle()` (resp. enable); tracer_preempt_off() empty.
 */
@inline function trace_preempt_toggle(id: u32): void {
  out_of_line_call();
  if (branch(!in_nmi())) trace_irq_rcuidle(tracepoint(id < NR_TRACEPOINTS ? id : 0), false); // the scenario's rcuidle body
}

/** `preempt_count() == val` of preempt_latency_start/stop; broken variant FAULT_PREEMPT_TRACE_EVERY_LEVEL: always. */
@inline function outermost(): bool {
  return branch(preempt_count() == 1 || fault_injected(FAULT_PREEMPT_TRACE_EVERY_LEVEL));
}

/**
 * preempt_disable() (include/linux/preempt.h, CONFIG_TRACE_PREEMPT_TOGGLE): preempt_count_inc()
 * = preempt_count_add(1) (kernel/sched/core.c, out of line): __preempt_count_add(1);
 * preempt_latency_start(1): only the outermost disable (preempt_count() == 1, so not inside an
 * irq or another preempt-disabled region) calls trace_preempt_off(). Then barrier().
 */
export function preempt_disable_traced(id: u32): void {
  out_of_line_call();
  preempt_count_add(1);
  if (outermost()) trace_preempt_toggle(id);
  barrier();
}

/**
 * preempt_enable() (CONFIG_PREEMPT, CONFIG_TRACE_PREEMPT_TOGGLE): barrier();
 * preempt_count_dec_and_test() = preempt_count_sub(1) (out of line: preempt_latency_stop(1),
 * `if (preempt_count() == 1) trace_preempt_on()`, then __preempt_count_sub(1)) and
 * should_resched(0) (x86: the raw __preempt_count == 0: count zero and a reschedule due); then
 * __preempt_schedule(): never here, nothing sets NEED_RESCHED.
 */
export function preempt_enable_traced(id: u32): void {
  barrier();
  out_of_line_call();
  if (outermost()) trace_preempt_toggle(id);
  preempt_count_sub(1);
  if (branch(this_cpu_read_u32(PCPU_PREEMPT_COUNT) == 0)) out_of_line_call(); // __preempt_schedule()
}
