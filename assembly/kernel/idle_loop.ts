// One pass of the v5.6 idle loop as a complete path, with its tracepoints and the interrupt
// that ends the hlt (kernel/sched/idle.c do_idle() -> cpuidle_idle_call() -> default_idle_call()
// -> arch_cpu_idle() -> arch/x86/kernel/process.c default_idle(), v5.6, no cpuidle driver:
// `cpuidle_not_available()`, the HLT path):
//
//   do_idle():            local_irq_disable()  = cli; trace_hardirqs_off()      (RCU watching)
//   cpuidle_idle_call():  tick_nohz_idle_stop_tick(); rcu_idle_enter()           (EQS from here)
//   default_idle():       trace_cpu_idle_rcuidle(1, cpu)                         (RCU NOT watching)
//                         safe_halt() = trace_hardirqs_on(); sti; hlt            (RCU NOT watching)
//                         ... the tick wakes the CPU: entry_irq.ts from idle, v5.6 ...
//                         trace_cpu_idle_rcuidle(PWR_EVENT_EXIT, cpu)            (RCU NOT watching)
//   exit_idle:            rcu_idle_exit()
//
// Every tracepoint after rcu_idle_enter() needs the _rcuidle form (SRCU and
// rcu_irq_enter_irqson(): four EQS transitions per idle pass besides the interrupt's). The
// pass leaves the CPU as it found it: in the idle task, RCU watching, interrupts on,
// tracing_irq_cpu 0 (the caller comes from schedule_idle() or the previous pass).
//
// Copies read: default_idle() with trace_cpu_idle_rcuidle() around safe_halt() in the x86
// pre-image of PeterZ's "cpuidle: Move trace_cpu_idle() into generic code" (9864f5b5943a, v5.9);
// do_idle()/cpuidle_idle_call() (rcu_idle_enter() before default_idle_call(), rcu_idle_exit()
// at exit_idle) and safe_halt() (`trace_hardirqs_on(); raw_safe_halt();`) in the v5.6-v5.8
// pre-images of the same series ("sched,idle,rcu: Push rcu_idle deeper into the idle path").
import { NR_TRACEPOINTS, PCPU_RCU_DYNTICKS } from "../layout";
import { local_irq_disable, local_irq_enable } from "../irqflags";
import { cpu_reg_read_u32, out_of_line_call } from "../primitives";
import { RCU_DYNTICK_CTRL_CTR, rcu_idle_enter, rcu_idle_exit } from "../rcu/dynticks";
import { FAULT_IDLE_PLAIN_TRACEPOINT, fault_injected } from "../rcu/faults";
import { USAGE_NOT_WATCHING, usage_error } from "../rcu/usage";
import { trace_plain } from "../tracepoint/strategies";
import { tracepoint } from "../tracepoint/tracepoint";
import { tick_interrupt_v5_6 } from "./entry_irq";
import { trace_hardirqs_off_v5_6, trace_hardirqs_on_v5_6, trace_irq_rcuidle } from "./trace_preemptirq";

/**
 * trace_cpu_idle_rcuidle(state, cpu) (include/trace/events/power.h): the v5.6 rcuidle trace_X().
 * Broken variant FAULT_IDLE_PLAIN_TRACEPOINT: the plain trace_cpu_idle() with v5.6's
 * CONFIG_LOCKDEP check (uncounted: usage error not-watching where RCU is not watching).
 */
@inline function trace_cpu_idle_rcuidle(idle_id: u32): void {
  const tp = tracepoint(idle_id < NR_TRACEPOINTS ? idle_id : 0);
  if (fault_injected(FAULT_IDLE_PLAIN_TRACEPOINT)) {
    trace_plain(tp, 0);
    if ((cpu_reg_read_u32(PCPU_RCU_DYNTICKS) & RCU_DYNTICK_CTRL_CTR) == 0) usage_error(USAGE_NOT_WATCHING);
    return;
  }
  trace_irq_rcuidle(tp, false); // the scenario's rcuidle body (default v5.6's SRCU + rcu_irq_enter_irqson)
}

/**
 * One pass of do_idle()'s loop, v5.6, on tracepoints `id` (irq_disable/irq_enable) and
 * `idle_id` (cpu_idle); the waking tick takes softirq processing with a nested tick when
 * `nested`. Returns the quiescent states the ticks reported (the waking tick is one: it
 * interrupted RCU-idle).
 */
export function idle_loop_v5_6(id: u32, idle_id: u32, nested: u32): u32 {
  local_irq_disable(); // do_idle(): local_irq_disable() = cli; trace_hardirqs_off()
  trace_hardirqs_off_v5_6(id);
  out_of_line_call(); // arch_cpu_idle_enter(): tsc_verify_tsc_adjust(), local_touch_nmi(): no RCU state
  out_of_line_call(); // cpuidle_idle_call()
  out_of_line_call(); // tick_nohz_idle_stop_tick(): a STAND-IN call, no RCU state
  rcu_idle_enter();
  out_of_line_call(); // default_idle_call() -> arch_cpu_idle() -> default_idle()
  trace_cpu_idle_rcuidle(idle_id); // trace_cpu_idle_rcuidle(1, smp_processor_id())
  trace_hardirqs_on_v5_6(id); // safe_halt(): trace_hardirqs_on(); sti; hlt
  local_irq_enable();
  const qs = tick_interrupt_v5_6(id, false, true, 0, nested != 0); // hlt ends with an interrupt
  trace_cpu_idle_rcuidle(idle_id); // trace_cpu_idle_rcuidle(PWR_EVENT_EXIT, smp_processor_id())
  rcu_idle_exit(); // exit_idle (interrupts are on: no WARN)
  out_of_line_call(); // arch_cpu_idle_exit()
  return qs;
}

/** `n` passes of the v5.6 idle loop (one measured loop). Returns the quiescent states reported. */
export function idle_loop_n_v5_6(n: u32, id: u32, idle_id: u32, nested: u32): u32 {
  let qs: u32 = 0;
  for (let i: u32 = 0; i < n; i++) qs += idle_loop_v5_6(id, idle_id, nested);
  return qs;
}
