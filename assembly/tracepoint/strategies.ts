// The strategies: each a way of protecting a tracepoint call where RCU may not be
// watching, as a kernel version or a proposal wrote trace_X() (include/linux/tracepoint.h).
// Each has its own inline trace_<strategy>() and its own exported loop: a measured loop
// contains one strategy's code and no dispatch on a strategy id. Strategies whose code is
// the same share a loop and differ by property: "off" is plain's loop over a tracepoint
// whose static key is disabled (no probes).
//
// Two forms of the call itself:
//   v5.6 (__DO_TRACE): `if (!(cond)) return;` first, then the probe loop over tp->funcs.
//   v5.10+ (__DO_TRACE_CALL with CONFIG_HAVE_STATIC_CALL, x86; v6.13, the 2025 SRCU-fast
//   change): one probe: rcu_dereference_raw(tp->funcs), a load of its data and a direct
//   call patched to the probe; more: a direct call to __traceiter_X, which re-reads
//   tp->funcs and loops. `cond` is tested inside the static branch before the guard.
// `cond` is DECLARE_TRACE's cpu_online(raw_smp_processor_id()) in both.

import { TPF_SIZE, TP_FUNCS, TP_KEY, TP_STATIC_CALL } from "../layout";
import { in_nmi, preempt_disable_notrace, preempt_enable_notrace } from "../preempt";
import {
  READ_ONCE_u32, branch, out_of_line_call, plain_load_u32, rcu_dereference_raw, static_call_target, static_key_false,
} from "../primitives";
import { cpu_online, raw_smp_processor_id } from "../kernel/cpumask";
import { probe_call_indirect, probe_call_static } from "./probe_call";
import { migrate_disable, migrate_enable } from "../kernel/sched_core";
import { rcu_irq_enter_irqson, rcu_irq_exit_irqson, rcu_is_watching } from "../rcu/dynticks";
import { rcu_irq_enter_irqson_v4_18, rcu_irq_exit_irqson_v4_18 } from "../rcu/dynticks_v4_18";
import {
  SRCU_FLAVOR_FAST, SRCU_FLAVOR_NORMAL, __srcu_read_lock, __srcu_read_lock_fast, __srcu_read_unlock, __srcu_read_unlock_fast, init_srcu_struct,
} from "../rcu/srcutree";
import { USAGE_NOT_WATCHING, USAGE_SRCU_IN_NMI, usage_error, warn_once } from "../rcu/usage";

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
 * The probe loop of __DO_TRACE (v5.6), also the body of __traceiter_X (v5.10+):
 * it_func_ptr = rcu_dereference_raw(tp->funcs);
 * if (it_func_ptr) do { it_func = it_func_ptr->func; __data = it_func_ptr->data;
 * (*it_func)(__data, args); } while ((++it_func_ptr)->func);
 * Only tp->funcs is a READ_ONCE (rcu_dereference_raw). The array's fields are plain C
 * loads in v5.6 (the array is never written once published: func_add()/func_remove()
 * allocate a new one); v5.12 made `it_func = READ_ONCE(it_func_ptr->func)` in
 * __traceiter_X, because tp_stub_func may then be written into a published array
 * (`func_read_once`, a constant at each call site: false for v5.6, true for v6.13).
 * The first call is written before the loop (peeled): the same calls, loads and branches,
 * but with one probe no loop is entered, so V8's loop-header stack check stays out of the
 * sequence (docs/performance.md).
 */
@inline function call_probes(tp: usize, arg: u32, func_read_once: bool): void {
  let it = <usize>rcu_dereference_raw(tp + TP_FUNCS);
  if (branch(it != 0)) {
    probe_call_indirect(func_read_once ? READ_ONCE_u32(it) : plain_load_u32(it), plain_load_u32(it + 4), arg);
    it += TPF_SIZE;
    if (branch(plain_load_u32(it) != 0)) {
      do {
        probe_call_indirect(func_read_once ? READ_ONCE_u32(it) : plain_load_u32(it), plain_load_u32(it + 4), arg);
        it += TPF_SIZE;
      } while (branch(plain_load_u32(it) != 0));
    }
  }
}

/**
 * __DO_TRACE_CALL(name, args) with CONFIG_HAVE_STATIC_CALL (include/linux/tracepoint.h,
 * v5.10 to v6.13 and later): it_func_ptr = rcu_dereference_raw(tp->funcs); if (it_func_ptr)
 * { __data = it_func_ptr->data; static_call(tp_func_X)(__data, args); }. The static call
 * goes straight to the probe when there is one (tracepoint_update_call()), else to
 * __traceiter_X, an out-of-line function that re-reads tp->funcs and loops (v6.13's form).
 */
@inline function do_trace_call_static(tp: usize, arg: u32): void {
  const it = <usize>rcu_dereference_raw(tp + TP_FUNCS);
  if (branch(it != 0)) {
    const data = plain_load_u32(it + 4);
    const target = static_call_target(tp + TP_STATIC_CALL);
    if (target != 0) {
      probe_call_static(target, data, arg); // the one probe, called directly
    } else {
      out_of_line_call(); // __traceiter_X(__data, args)
      call_probes(tp, arg, true);
    }
  }
}

/** DECLARE_TRACE's `cond` (v5.6, v6.13): cpu_online(raw_smp_processor_id()): two loads and a branch. */
@inline function tp_cond(): bool {
  return branch(cpu_online(raw_smp_processor_id()));
}

/** WARN_ON_ONCE(rcuidle && in_nmi()) of v4.19+ __DO_TRACE: SRCU cannot be used from NMI. */
@inline function warn_srcu_in_nmi(): void {
  if (branch(in_nmi())) usage_error(USAGE_SRCU_IN_NMI);
}

// ---- the strategies ------------------------------------------------------------------------

/**
 * plain: non-rcuidle trace_X() (v5.6, !LOCKDEP): `if (!(cond)) return;`, then
 * preempt_disable_notrace around the probe loop. With the static key disabled it is the
 * "off" strategy: one branch.
 */
@inline export function trace_plain(tp: usize, arg: u32): void {
  if (static_key_false(tp + TP_KEY)) {
    if (!tp_cond()) return;
    preempt_disable_notrace();
    call_probes(tp, arg, false);
    preempt_enable_notrace();
  }
}

/**
 * rcuidle-irq (v4.18): __DO_TRACE with rcucheck: `if (!(cond)) return;`,
 * rcu_irq_enter_irqson() (v4.18's, rcu/dynticks_v4_18.ts), rcu_read_lock_sched_notrace(),
 * the probe loop, unlock, rcu_irq_exit_irqson().
 */
@inline export function trace_rcuidle_irq(tp: usize, arg: u32): void {
  if (static_key_false(tp + TP_KEY)) {
    if (!tp_cond()) return;
    rcu_irq_enter_irqson_v4_18();
    preempt_disable_notrace(); // rcu_read_lock_sched_notrace()
    call_probes(tp, arg, false);
    preempt_enable_notrace();
    rcu_irq_exit_irqson_v4_18();
  }
}

/** rcuidle-srcu (e6753f23d961 alone): SRCU read side inside preempt_disable_notrace(). */
@inline export function trace_rcuidle_srcu(tp: usize, arg: u32): void {
  if (static_key_false(tp + TP_KEY)) {
    if (!tp_cond()) return;
    warn_srcu_in_nmi();
    preempt_disable_notrace();
    const idx = __srcu_read_lock(TP_SRCU); // srcu_read_lock_notrace(&tracepoint_srcu)
    call_probes(tp, arg, false);
    __srcu_read_unlock(TP_SRCU, idx);
    preempt_enable_notrace();
  }
}

/** rcuidle-srcu-irq (v4.19 .. v6.12, e6753f23d961 + 865e63b04e9b; v5.6's code): SRCU and the rcu_irq dance. */
@inline export function trace_rcuidle_srcu_irq(tp: usize, arg: u32): void {
  if (static_key_false(tp + TP_KEY)) {
    if (!tp_cond()) return;
    warn_srcu_in_nmi();
    preempt_disable_notrace();
    const idx = __srcu_read_lock(TP_SRCU);
    rcu_irq_enter_irqson();
    call_probes(tp, arg, false);
    rcu_irq_exit_irqson();
    __srcu_read_unlock(TP_SRCU, idx);
    preempt_enable_notrace();
  }
}

/**
 * rcuidle-watching (Desnoyers, patch of 2020-03-10, on v5.6): no SRCU, no in_nmi() WARN;
 * after `cond`, rcu_irq_enter_irqson() only when !rcu_is_watching(), before
 * preempt_disable_notrace().
 */
@inline export function trace_rcuidle_watching(tp: usize, arg: u32): void {
  if (static_key_false(tp + TP_KEY)) {
    if (!tp_cond()) return;
    let exit_rcu = false;
    if (branch(!rcu_is_watching())) {
      rcu_irq_enter_irqson();
      exit_rcu = true;
    }
    preempt_disable_notrace();
    call_probes(tp, arg, false);
    preempt_enable_notrace();
    if (branch(exit_rcu)) rcu_irq_exit_irqson();
  }
}

/**
 * noinstr (v6.13 trace_X(), !LOCKDEP): `if (static_branch_unlikely(&key)) { if (cond) {
 * guard(preempt_notrace)(); __DO_TRACE_CALL(name, args); } }`, the static_call form.
 */
@inline export function trace_noinstr(tp: usize, arg: u32): void {
  if (static_key_false(tp + TP_KEY)) {
    if (tp_cond()) {
      preempt_disable_notrace();
      do_trace_call_static(tp, arg);
      preempt_enable_notrace();
    }
  }
}

/**
 * noinstr+lockdep (v6.13, CONFIG_LOCKDEP): trace_X() as above, then, outside the static
 * branch and so even with the key off, `if (IS_ENABLED(CONFIG_LOCKDEP) && (cond))
 * WARN_ONCE(!rcu_is_watching(), ...)`: `cond` is evaluated again (the call in between
 * clobbers memory).
 */
@inline export function trace_noinstr_lockdep(tp: usize, arg: u32): void {
  trace_noinstr(tp, arg);
  if (tp_cond()) {
    if (branch(!rcu_is_watching())) warn_once(USAGE_NOT_WATCHING);
  }
}

/**
 * srcu-fast (fca6fa23c5a5, 2025, CONFIG_PREEMPT_RT): `if (cond) {
 * guard(srcu_fast_notrace)(&tracepoint_srcu); guard(migrate)(); __DO_TRACE_CALL(name, args); }`
 * inside the static branch, the static_call form; the guards end in reverse order.
 */
@inline export function trace_srcu_fast(tp: usize, arg: u32): void {
  if (static_key_false(tp + TP_KEY)) {
    if (tp_cond()) {
      const scp = __srcu_read_lock_fast(TP_SRCU_FAST); // srcu_read_lock_fast_notrace()
      migrate_disable();
      do_trace_call_static(tp, arg);
      migrate_enable();
      __srcu_read_unlock_fast(TP_SRCU_FAST, scp);
    }
  }
}

// The measured loops, one per strategy, are in loops.ts.
