// The strategies: each a way of protecting a tracepoint call where RCU may not be
// watching, as a kernel version or a proposal wrote __DO_TRACE (include/linux/tracepoint.h).
// Each has its own inline trace_<strategy>() and its own exported loop: a measured loop
// contains one strategy's code and no dispatch on a strategy id. Strategies whose code is
// the same share a loop: "off" is plain's loop over a tracepoint whose static key is
// disabled (no probes), and v6.13's "noinstr" caller runs plain's read side (its
// static_call form of __DO_TRACE_CALL is not emulated yet).
import { NR_TRACEPOINTS, PCPU_TP, TPF_SIZE, TPS_MIGRATE_DISABLED, TP_FUNCS, TP_KEY } from "../layout";
import { this_cpu_ptr } from "../percpu";
import { in_nmi, preempt_disable_notrace, preempt_enable_notrace } from "../preempt";
import {
  READ_ONCE_u32, WRITE_ONCE_u32, barrier, branch, indirect_call_2, rcu_dereference_raw, static_key_false,
  this_cpu_add_return_u32,
} from "../primitives";
import { rcu_irq_enter_irqson, rcu_irq_exit_irqson, rcu_is_watching } from "../rcu/dynticks";
import {
  SRCU_FLAVOR_FAST, SRCU_FLAVOR_NORMAL, __srcu_read_lock, __srcu_read_lock_fast, __srcu_read_unlock, __srcu_read_unlock_fast, init_srcu_struct,
} from "../rcu/srcutree";
import { USAGE_NOT_WATCHING, USAGE_SRCU_IN_NMI, usage_error } from "../rcu/usage";
import { tracepoint } from "./tracepoint";

/** srcu_struct indexes: tracepoint_srcu (DEFINE_SRCU, kernel/tracepoint.c) and its SRCU-fast twin. */
export const TP_SRCU: u32 = 0;
export const TP_SRCU_FAST: u32 = 1;

/**
 * The static initialisers of the tracepoint core's srcu_structs: DEFINE_SRCU(tracepoint_srcu)
 * (kernel/tracepoint.c) and the SRCU-fast twin of the srcu-fast strategy. The host runs it
 * once per machine, before any CPU uses them.
 */
export function tracepoint_srcu_init(): void {
  init_srcu_struct(TP_SRCU, SRCU_FLAVOR_NORMAL);
  init_srcu_struct(TP_SRCU_FAST, SRCU_FLAVOR_FAST);
}

/**
 * The probe loop of __DO_TRACE (v5.6): it_func_ptr = rcu_dereference_raw(tp->funcs);
 * if (it_func_ptr) do { (*it_func_ptr->func)(it_func_ptr->data, args); }
 * while ((++it_func_ptr)->func);
 */
@inline function call_probes(tp: usize, arg: u32): void {
  let it = <usize>rcu_dereference_raw(tp + TP_FUNCS);
  if (branch(it != 0)) {
    do {
      indirect_call_2(READ_ONCE_u32(it), READ_ONCE_u32(it + 4), arg);
      it += TPF_SIZE;
    } while (branch(READ_ONCE_u32(it) != 0));
  }
}

/** WARN_ON_ONCE(rcuidle && in_nmi()) of v4.19+ __DO_TRACE: SRCU cannot be used from NMI. */
@inline function warn_srcu_in_nmi(): void {
  if (branch(in_nmi())) usage_error(USAGE_SRCU_IN_NMI);
}

/** migrate_disable() as a per-task counter (the task is this CPU's current task). */
@inline function migrate_disable(): void {
  this_cpu_add_return_u32(PCPU_TP + TPS_MIGRATE_DISABLED, 1);
  barrier();
}

@inline function migrate_enable(): void {
  barrier();
  this_cpu_add_return_u32(PCPU_TP + TPS_MIGRATE_DISABLED, <u32>-1);
}

// ---- the strategies ------------------------------------------------------------------------

/**
 * plain: non-rcuidle trace_X() (v5.6, !LOCKDEP): preempt_disable_notrace around the probes.
 * With the static key disabled it is the "off" strategy: one branch.
 */
@inline export function trace_plain(tp: usize, arg: u32): void {
  if (static_key_false(tp + TP_KEY)) {
    preempt_disable_notrace();
    call_probes(tp, arg);
    preempt_enable_notrace();
  }
}

/** rcuidle-irq (up to v4.18): rcu_irq_enter_irqson() ... rcu_irq_exit_irqson() around RCU-sched. */
@inline export function trace_rcuidle_irq(tp: usize, arg: u32): void {
  if (static_key_false(tp + TP_KEY)) {
    rcu_irq_enter_irqson();
    preempt_disable_notrace(); // rcu_read_lock_sched_notrace()
    call_probes(tp, arg);
    preempt_enable_notrace();
    rcu_irq_exit_irqson();
  }
}

/** rcuidle-srcu (e6753f23d961 alone): SRCU read side inside preempt_disable_notrace(). */
@inline export function trace_rcuidle_srcu(tp: usize, arg: u32): void {
  if (static_key_false(tp + TP_KEY)) {
    warn_srcu_in_nmi();
    preempt_disable_notrace();
    const idx = __srcu_read_lock(TP_SRCU); // srcu_read_lock_notrace(&tracepoint_srcu)
    call_probes(tp, arg);
    __srcu_read_unlock(TP_SRCU, idx);
    preempt_enable_notrace();
  }
}

/** rcuidle-srcu-irq (v4.19 .. v6.12, e6753f23d961 + 865e63b04e9b): SRCU and the rcu_irq dance. */
@inline export function trace_rcuidle_srcu_irq(tp: usize, arg: u32): void {
  if (static_key_false(tp + TP_KEY)) {
    warn_srcu_in_nmi();
    preempt_disable_notrace();
    const idx = __srcu_read_lock(TP_SRCU);
    rcu_irq_enter_irqson();
    call_probes(tp, arg);
    rcu_irq_exit_irqson();
    __srcu_read_unlock(TP_SRCU, idx);
    preempt_enable_notrace();
  }
}

/**
 * rcuidle-watching (Desnoyers, patch of 2020-03-10): no SRCU, no in_nmi() WARN;
 * rcu_irq_enter_irqson() only when !rcu_is_watching(), before preempt_disable_notrace().
 */
@inline export function trace_rcuidle_watching(tp: usize, arg: u32): void {
  if (static_key_false(tp + TP_KEY)) {
    let exit_rcu = false;
    if (branch(!rcu_is_watching())) {
      rcu_irq_enter_irqson();
      exit_rcu = true;
    }
    preempt_disable_notrace();
    call_probes(tp, arg);
    preempt_enable_notrace();
    if (branch(exit_rcu)) rcu_irq_exit_irqson();
  }
}

/** noinstr+lockdep (v6.13, CONFIG_LOCKDEP): WARN_ONCE(!rcu_is_watching()) even when the key is off. */
@inline export function trace_noinstr_lockdep(tp: usize, arg: u32): void {
  if (branch(!rcu_is_watching())) usage_error(USAGE_NOT_WATCHING);
  if (static_key_false(tp + TP_KEY)) {
    preempt_disable_notrace();
    call_probes(tp, arg);
    preempt_enable_notrace();
  }
}

/**
 * srcu-fast (fca6fa23c5a5, 2025, CONFIG_PREEMPT_RT && preemptible()):
 * guard(srcu_fast_notrace)(&tracepoint_srcu); guard(migrate)(). migrate_disable() is
 * modelled as the per-task counter of its fast path.
 */
@inline export function trace_srcu_fast(tp: usize, arg: u32): void {
  if (static_key_false(tp + TP_KEY)) {
    const scp = __srcu_read_lock_fast(TP_SRCU_FAST);
    migrate_disable();
    call_probes(tp, arg);
    migrate_enable();
    __srcu_read_unlock_fast(TP_SRCU_FAST, scp);
  }
}

// ---- one measured loop per strategy: `n` calls of trace_X(arg) on tracepoint `id` ----------

@inline function tp_of(id: u32): usize {
  return tracepoint(id < NR_TRACEPOINTS ? id : 0);
}

export function trace_loop_plain(n: u32, id: u32, arg: u32): u32 {
  const tp = tp_of(id);
  for (let i: u32 = 0; i < n; i++) trace_plain(tp, arg);
  return n;
}
export function trace_loop_rcuidle_irq(n: u32, id: u32, arg: u32): u32 {
  const tp = tp_of(id);
  for (let i: u32 = 0; i < n; i++) trace_rcuidle_irq(tp, arg);
  return n;
}
export function trace_loop_rcuidle_srcu(n: u32, id: u32, arg: u32): u32 {
  const tp = tp_of(id);
  for (let i: u32 = 0; i < n; i++) trace_rcuidle_srcu(tp, arg);
  return n;
}
export function trace_loop_rcuidle_srcu_irq(n: u32, id: u32, arg: u32): u32 {
  const tp = tp_of(id);
  for (let i: u32 = 0; i < n; i++) trace_rcuidle_srcu_irq(tp, arg);
  return n;
}
export function trace_loop_rcuidle_watching(n: u32, id: u32, arg: u32): u32 {
  const tp = tp_of(id);
  for (let i: u32 = 0; i < n; i++) trace_rcuidle_watching(tp, arg);
  return n;
}
export function trace_loop_noinstr_lockdep(n: u32, id: u32, arg: u32): u32 {
  const tp = tp_of(id);
  for (let i: u32 = 0; i < n; i++) trace_noinstr_lockdep(tp, arg);
  return n;
}
export function trace_loop_srcu_fast(n: u32, id: u32, arg: u32): u32 {
  const tp = tp_of(id);
  for (let i: u32 = 0; i < n; i++) trace_srcu_fast(tp, arg);
  return n;
}

