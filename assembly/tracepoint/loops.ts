// One measured loop per strategy: `n` calls of trace_X(arg) on tracepoint `id`, each loop
// one strategy's code only (no dispatch on a strategy id). JavaScript calls a loop once per
// timed batch.
//
// The loop body is trace_X() four times, then a tail of at most three single calls. The
// kernel has no loop around a tracepoint; the loop is the emulator's. Unrolled, V8's
// per-loop-header stack check (`cmp rsp,[limit]; jna`) and the counter's compare and
// branch run once per four calls instead of once per call, so they stay out of the
// measured sequence (docs/performance.md). The op counts of one call do not change: the
// loop's own instructions are not kernel ops and are never counted.
import { NR_TRACEPOINTS } from "../layout";
import {
  trace_noinstr, trace_noinstr_lockdep, trace_plain, trace_rcuidle_irq, trace_rcuidle_srcu, trace_rcuidle_srcu_irq,
  trace_rcuidle_watching, trace_srcu_fast,
} from "./strategies";
import { tracepoint } from "./tracepoint";

/** Calls per unrolled iteration. */
export const TRACE_LOOP_UNROLL: u32 = 4;

@inline function tp_of(id: u32): usize {
  return tracepoint(id < NR_TRACEPOINTS ? id : 0);
}

export function trace_loop_plain(n: u32, id: u32, arg: u32): u32 {
  const tp = tp_of(id);
  let i: u32 = 0;
  for (; n - i >= TRACE_LOOP_UNROLL; i += TRACE_LOOP_UNROLL) {
    trace_plain(tp, arg); trace_plain(tp, arg); trace_plain(tp, arg); trace_plain(tp, arg);
  }
  for (; i < n; i++) trace_plain(tp, arg);
  return n;
}

export function trace_loop_rcuidle_irq(n: u32, id: u32, arg: u32): u32 {
  const tp = tp_of(id);
  let i: u32 = 0;
  for (; n - i >= TRACE_LOOP_UNROLL; i += TRACE_LOOP_UNROLL) {
    trace_rcuidle_irq(tp, arg); trace_rcuidle_irq(tp, arg); trace_rcuidle_irq(tp, arg); trace_rcuidle_irq(tp, arg);
  }
  for (; i < n; i++) trace_rcuidle_irq(tp, arg);
  return n;
}

export function trace_loop_rcuidle_srcu(n: u32, id: u32, arg: u32): u32 {
  const tp = tp_of(id);
  let i: u32 = 0;
  for (; n - i >= TRACE_LOOP_UNROLL; i += TRACE_LOOP_UNROLL) {
    trace_rcuidle_srcu(tp, arg); trace_rcuidle_srcu(tp, arg); trace_rcuidle_srcu(tp, arg); trace_rcuidle_srcu(tp, arg);
  }
  for (; i < n; i++) trace_rcuidle_srcu(tp, arg);
  return n;
}

export function trace_loop_rcuidle_srcu_irq(n: u32, id: u32, arg: u32): u32 {
  const tp = tp_of(id);
  let i: u32 = 0;
  for (; n - i >= TRACE_LOOP_UNROLL; i += TRACE_LOOP_UNROLL) {
    trace_rcuidle_srcu_irq(tp, arg); trace_rcuidle_srcu_irq(tp, arg); trace_rcuidle_srcu_irq(tp, arg); trace_rcuidle_srcu_irq(tp, arg);
  }
  for (; i < n; i++) trace_rcuidle_srcu_irq(tp, arg);
  return n;
}

export function trace_loop_rcuidle_watching(n: u32, id: u32, arg: u32): u32 {
  const tp = tp_of(id);
  let i: u32 = 0;
  for (; n - i >= TRACE_LOOP_UNROLL; i += TRACE_LOOP_UNROLL) {
    trace_rcuidle_watching(tp, arg); trace_rcuidle_watching(tp, arg); trace_rcuidle_watching(tp, arg); trace_rcuidle_watching(tp, arg);
  }
  for (; i < n; i++) trace_rcuidle_watching(tp, arg);
  return n;
}

export function trace_loop_noinstr(n: u32, id: u32, arg: u32): u32 {
  const tp = tp_of(id);
  let i: u32 = 0;
  for (; n - i >= TRACE_LOOP_UNROLL; i += TRACE_LOOP_UNROLL) {
    trace_noinstr(tp, arg); trace_noinstr(tp, arg); trace_noinstr(tp, arg); trace_noinstr(tp, arg);
  }
  for (; i < n; i++) trace_noinstr(tp, arg);
  return n;
}

export function trace_loop_noinstr_lockdep(n: u32, id: u32, arg: u32): u32 {
  const tp = tp_of(id);
  let i: u32 = 0;
  for (; n - i >= TRACE_LOOP_UNROLL; i += TRACE_LOOP_UNROLL) {
    trace_noinstr_lockdep(tp, arg); trace_noinstr_lockdep(tp, arg); trace_noinstr_lockdep(tp, arg); trace_noinstr_lockdep(tp, arg);
  }
  for (; i < n; i++) trace_noinstr_lockdep(tp, arg);
  return n;
}

export function trace_loop_srcu_fast(n: u32, id: u32, arg: u32): u32 {
  const tp = tp_of(id);
  let i: u32 = 0;
  for (; n - i >= TRACE_LOOP_UNROLL; i += TRACE_LOOP_UNROLL) {
    trace_srcu_fast(tp, arg); trace_srcu_fast(tp, arg); trace_srcu_fast(tp, arg); trace_srcu_fast(tp, arg);
  }
  for (; i < n; i++) trace_srcu_fast(tp, arg);
  return n;
}
