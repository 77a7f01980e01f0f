// Hard-irq on/off tracing (kernel/trace/trace_preemptirq.c, CONFIG_TRACE_IRQFLAGS), v5.6
// and v5.8: local_irq_disable()/enable() and the entry code call trace_hardirqs_off/on;
// the per-CPU tracing_irq_cpu records that the tracer saw interrupts go off, so only the
// first off and the first on after it run the irq_disable/irq_enable tracepoint. That is
// why the second TRACE_IRQS_OFF on entry from user mode is cheap.
//
// Copies read: v5.6 trace_hardirqs_on/off in the pre-images of Sven Schnelle's "lockdep: fix
// order in trace_hardirqs_off_caller()" (stable backport) and a write-up on Linux interrupts
// quoting /source/kernel/trace/trace_preemptirq.c#L22 (lockdep_hardirqs_off() last, rcuidle
// tracepoints under `if (!in_nmi())`); v5.8's trace_hardirqs_on_prepare()/off_prepare() as
// added by tglx's patch 20200505134100.270771162 (renamed trace_hardirqs_off_finish() before
// v5.8 by a PeterZ patch of the same series), with the plain tracepoints
// under `if (!in_nmi())`; trace_hardirqs_on() with lockdep_hardirqs_on_prepare() then
// lockdep_hardirqs_on(), and trace_hardirqs_off() with lockdep_hardirqs_off() first, as a
// later trace_preemptirq.c of the code index has them (v5.8's own order of that call in
// trace_hardirqs_off() not verified; it changes no count).
//
// The tracepoints: trace_irq_disable_rcuidle()/trace_irq_enable_rcuidle() are by default the
// v5.6 rcuidle trace_X() (the rcuidle-srcu-irq strategy, tracepoint/strategies.ts; a scenario
// may choose another body, RCUIDLE_BODY_*), the plain
// ones are trace_plain() plus the v5.6-v5.10 CONFIG_LOCKDEP check of trace_X().
// tracer_hardirqs_off/on (the irqsoff latency tracer) are not configured: empty.
import {
  NR_TRACEPOINTS, PCPU_RCUIDLE_STATS, PCPU_RCU_DYNTICKS, PCPU_TRACING_IRQ_CPU, RIS_CALLS, RIS_OFF_CALLS, RIS_OFF_WATCHING, RIS_WATCHING, SCN_RCUIDLE_BODY,
} from "../layout";
import { in_nmi } from "../preempt";
import { branch, counting_stat_inc, cpu_reg_read_u32, emulator_read_u32, out_of_line_call, this_cpu_read_u32, this_cpu_write_u32 } from "../primitives";
import { RCU_DYNTICK_CTRL_CTR } from "../rcu/dynticks";
import { FAULT_RCUIDLE_BODY_IGNORED, FAULT_TRACE_IRQ_NO_GUARD, fault_injected } from "../rcu/faults";
import { USAGE_NOT_WATCHING, usage_error } from "../rcu/usage";
import {
  trace_noinstr_lockdep, trace_plain, trace_rcuidle_irq, trace_rcuidle_srcu, trace_rcuidle_srcu_irq, trace_rcuidle_watching, trace_srcu_fast,
} from "../tracepoint/strategies";
import { TEV_TP_BEGIN, TEV_TP_END, trace_event } from "../tracepoint/trace_events";
import { tracepoint } from "../tracepoint/tracepoint";

// Bodies the rcuidle tracepoint can run (SCN_RCUIDLE_BODY; bindings/experiments/scenario-paths.ts names
// them after the strategy table's rows). "off" is no body: the static key disabled.
/** rcuidle-srcu-irq: v4.19 to v6.12, v5.6's trace_X_rcuidle() (the default). */
export const RCUIDLE_BODY_SRCU_IRQ: u32 = 0;
/** rcuidle-irq: v4.18's rcu_irq_enter_irqson() around the RCU-sched read side. */
export const RCUIDLE_BODY_IRQ: u32 = 1;
/** rcuidle-srcu: e6753f23d961 alone, the SRCU read side without the rcu_irq dance. */
export const RCUIDLE_BODY_SRCU: u32 = 2;
/** rcuidle-watching: the 2020-03-10 proposal, rcu_irq_enter_irqson() only when RCU is not watching. */
export const RCUIDLE_BODY_WATCHING: u32 = 3;
/** noinstr+lockdep: v6.13's trace_X(), legal only where RCU watches (its WARN counts not-watching). */
export const RCUIDLE_BODY_NOINSTR_LOCKDEP: u32 = 4;
/** plain: v5.6's non-rcuidle trace_X() with its CONFIG_LOCKDEP check (legal only where RCU watches). */
export const RCUIDLE_BODY_PLAIN: u32 = 5;
/** srcu-fast: fca6fa23c5a5's SRCU-fast read side (2025). */
export const RCUIDLE_BODY_SRCU_FAST: u32 = 6;
export const NR_RCUIDLE_BODIES: u32 = 7;

/** Boot value: static DEFINE_PER_CPU(int, tracing_irq_cpu) is zeroed. */
export function tracing_irq_cpu_init(): void {
  this_cpu_write_u32(PCPU_TRACING_IRQ_CPU, 0);
}

/** The tracepoint of id `id`: the caller passes the one that stands for irq_disable/irq_enable (include/trace/events/preemptirq.h). */
@inline function tp_of(id: u32): usize {
  return tracepoint(id < NR_TRACEPOINTS ? id : 0);
}

/**
 * lockdep_hardirqs_off/on/on_prepare (kernel/locking/lockdep.c, CONFIG_PROVE_LOCKING): a
 * STAND-IN: the out-of-line call is counted, lockdep's per-CPU irq-state bookkeeping inside
 * it is not emulated (it touches no RCU state).
 */
@inline export function lockdep_hardirqs_off(): void {
  out_of_line_call();
}
@inline export function lockdep_hardirqs_on_prepare(): void {
  out_of_line_call();
}
@inline export function lockdep_hardirqs_on(): void {
  out_of_line_call();
}

/**
 * trace_irq_disable()/trace_irq_enable(): the plain trace_X() (include/linux/tracepoint.h,
 * v5.6 to v5.10), then its `if (IS_ENABLED(CONFIG_LOCKDEP) && (cond)) {
 * rcu_read_lock_sched_notrace(); rcu_dereference_sched(tp->funcs); ... }`, whose
 * rcu_read_lock_sched_held() is false where RCU is not watching: lockdep's "suspicious
 * rcu_dereference_check() usage". That check is debug bookkeeping: it reads the dynticks
 * word without counting ops and counts usage error not-watching.
 */
@inline function trace_irq_plain(tp: usize): void {
  trace_plain(tp, 0);
  if ((cpu_reg_read_u32(PCPU_RCU_DYNTICKS) & RCU_DYNTICK_CTRL_CTR) == 0) usage_error(USAGE_NOT_WATCHING);
}

/**
 * Counting build only: calls of the rcuidle tracepoint, of its irq_disable one, and those
 * that found RCU already watching (the March 2020 proposal's premise, R4 of docs/reproductions.md).
 */
@inline function rcuidle_stats(disable: bool): void {
  const watching = (cpu_reg_read_u32(PCPU_RCU_DYNTICKS) & RCU_DYNTICK_CTRL_CTR) != 0;
  counting_stat_inc(PCPU_RCUIDLE_STATS, RIS_CALLS);
  if (watching) counting_stat_inc(PCPU_RCUIDLE_STATS, RIS_WATCHING);
  if (disable) {
    counting_stat_inc(PCPU_RCUIDLE_STATS, RIS_OFF_CALLS);
    if (watching) counting_stat_inc(PCPU_RCUIDLE_STATS, RIS_OFF_WATCHING);
  }
}

/**
 * trace_irq_disable_rcuidle()/trace_irq_enable_rcuidle(): the body is the scenario's choice
 * (SCN_RCUIDLE_BODY, read without counting: the emulator's configuration, not a kernel load),
 * default 0 = v5.6's (SRCU and rcu_irq_enter_irqson()). One dispatch per call, the same for
 * every body; the strategy table's loops (tracepoint/strategies.ts) have none. Broken variant
 * FAULT_RCUIDLE_BODY_IGNORED: always v5.6's body.
 */
@inline export function trace_irq_rcuidle(tp: usize, disable: bool): void {
  const body = fault_injected(FAULT_RCUIDLE_BODY_IGNORED) ? RCUIDLE_BODY_SRCU_IRQ : emulator_read_u32(SCN_RCUIDLE_BODY);
  trace_event(TEV_TP_BEGIN, body);
  rcuidle_stats(disable);
  switch (body) {
    case RCUIDLE_BODY_IRQ: trace_rcuidle_irq(tp, 0); break;
    case RCUIDLE_BODY_SRCU: trace_rcuidle_srcu(tp, 0); break;
    case RCUIDLE_BODY_WATCHING: trace_rcuidle_watching(tp, 0); break;
    case RCUIDLE_BODY_NOINSTR_LOCKDEP: trace_noinstr_lockdep(tp, 0); break;
    case RCUIDLE_BODY_PLAIN: trace_irq_plain(tp); break;
    case RCUIDLE_BODY_SRCU_FAST: trace_srcu_fast(tp, 0); break;
    default: trace_rcuidle_srcu_irq(tp, 0);
  }
  trace_event(TEV_TP_END, body);
}

/** `if (!this_cpu_read(tracing_irq_cpu))`; broken variant FAULT_TRACE_IRQ_NO_GUARD: always. */
@inline function tracing_irq_was_on(): bool {
  return branch(this_cpu_read_u32(PCPU_TRACING_IRQ_CPU) == 0 || fault_injected(FAULT_TRACE_IRQ_NO_GUARD));
}

/** `if (this_cpu_read(tracing_irq_cpu))`; broken variant FAULT_TRACE_IRQ_NO_GUARD: always. */
@inline function tracing_irq_was_off(): bool {
  return branch(this_cpu_read_u32(PCPU_TRACING_IRQ_CPU) != 0 || fault_injected(FAULT_TRACE_IRQ_NO_GUARD));
}

/**
 * The body both versions share: `if (!this_cpu_read(tracing_irq_cpu)) { tracing_irq_cpu = 1;
 * if (!in_nmi()) trace_irq_disable[_rcuidle](); }`. `rcuidle` is a constant at every call
 * site, so the inlined choice of tracepoint folds away.
 */
@inline function irq_disable_traced(tp: usize, rcuidle: bool): void {
  if (tracing_irq_was_on()) {
    this_cpu_write_u32(PCPU_TRACING_IRQ_CPU, 1);
    if (branch(!in_nmi())) {
      if (rcuidle) trace_irq_rcuidle(tp, true);
      else trace_irq_plain(tp);
    }
  }
}

/** `if (this_cpu_read(tracing_irq_cpu)) { if (!in_nmi()) trace_irq_enable[_rcuidle](); tracing_irq_cpu = 0; }`. */
@inline function irq_enable_traced(tp: usize, rcuidle: bool): void {
  if (tracing_irq_was_off()) {
    if (branch(!in_nmi())) {
      if (rcuidle) trace_irq_rcuidle(tp, false);
      else trace_irq_plain(tp);
    }
    this_cpu_write_u32(PCPU_TRACING_IRQ_CPU, 0);
  }
}

/**
 * trace_hardirqs_off() (kernel/trace/trace_preemptirq.c, v5.6): if (!tracing_irq_cpu) {
 * tracing_irq_cpu = 1; tracer_hardirqs_off(); if (!in_nmi()) trace_irq_disable_rcuidle(); }
 * lockdep_hardirqs_off(). Out of line (EXPORT_SYMBOL): one counted call.
 */
export function trace_hardirqs_off_v5_6(id: u32): void {
  const tp = tp_of(id);
  out_of_line_call();
  irq_disable_traced(tp, true);
  lockdep_hardirqs_off();
}

/**
 * trace_hardirqs_on() (trace_preemptirq.c, v5.6): if (tracing_irq_cpu) { if (!in_nmi())
 * trace_irq_enable_rcuidle(); tracer_hardirqs_on(); tracing_irq_cpu = 0; } lockdep_hardirqs_on().
 */
export function trace_hardirqs_on_v5_6(id: u32): void {
  const tp = tp_of(id);
  out_of_line_call();
  irq_enable_traced(tp, true);
  lockdep_hardirqs_on();
}

/**
 * trace_hardirqs_off_finish() (trace_preemptirq.c, v5.8): trace_hardirqs_off() without
 * lockdep and with the PLAIN tracepoint: the entry code calls it after RCU watches again.
 */
export function trace_hardirqs_off_finish(id: u32): void {
  const tp = tp_of(id);
  out_of_line_call();
  irq_disable_traced(tp, false);
}

/** trace_hardirqs_on_prepare() (trace_preemptirq.c, v5.8): trace_hardirqs_on() without lockdep, plain tracepoint. */
export function trace_hardirqs_on_prepare(id: u32): void {
  const tp = tp_of(id);
  out_of_line_call();
  irq_enable_traced(tp, false);
}

/** trace_hardirqs_off() (v5.8): lockdep_hardirqs_off() first, then as v5.6 with the rcuidle tracepoint. */
export function trace_hardirqs_off_v5_8(id: u32): void {
  const tp = tp_of(id);
  out_of_line_call();
  lockdep_hardirqs_off();
  irq_disable_traced(tp, true);
}

/** trace_hardirqs_on() (v5.8): as v5.6 (rcuidle), then lockdep_hardirqs_on_prepare(); lockdep_hardirqs_on(). */
export function trace_hardirqs_on_v5_8(id: u32): void {
  const tp = tp_of(id);
  out_of_line_call();
  irq_enable_traced(tp, true);
  lockdep_hardirqs_on_prepare();
  lockdep_hardirqs_on();
}

/** tracing_irq_cpu of this CPU, for tests (read without counting). */
export function tracing_irq_cpu(): u32 {
  return cpu_reg_read_u32(PCPU_TRACING_IRQ_CPU);
}
