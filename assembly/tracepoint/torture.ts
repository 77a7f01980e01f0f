// Tracepoint torture: a CPU calls one strategy's tracepoint from the contexts it is asked
// to use (task, irq over a task, idle, NMI), entered and left the kernel's way, while the
// host churns the probe array. A probe that spins (probe_spin) makes the reader hold the
// array long enough for a too-short grace period to free it under the reader: the reader
// then calls probe_uaf, the poison of a freed array, and the use-after-free is counted.
import { PCPU_TP, TPS_CALLS } from "../layout";
import { cpu_stat_inc } from "../primitives";
import { local_irq_disable, local_irq_enable } from "../irqflags";
import { irq_enter, irq_exit, nmi_enter, nmi_exit } from "../kernel/hardirq";
import { rcu_idle_enter, rcu_idle_exit } from "../rcu/dynticks";
import { rcu_note_context_switch } from "../rcu/tree_qs";
import { torture_random } from "../torture/random";
import {
  trace_noinstr, trace_noinstr_lockdep, trace_plain, trace_rcuidle_irq, trace_rcuidle_srcu,
  trace_rcuidle_srcu_irq, trace_rcuidle_watching, trace_srcu_fast,
} from "./strategies";
import { tracepoint } from "./tracepoint";

/** Context bits of the `mask` argument. */
export const TPCTX_TASK: u32 = 1;
export const TPCTX_IRQ: u32 = 2;
export const TPCTX_IDLE: u32 = 4;
export const TPCTX_NMI: u32 = 8;

/** Pick one of the contexts in `mask` (non-zero: the host checks) at random. */
function pick(mask: u32): u32 {
  let c: u32 = 0;
  do c = 1 << (torture_random() & 3);
  while ((mask & 15 & c) == 0);
  return c;
}

@inline function enter(ctx: u32): void {
  if (ctx == TPCTX_IRQ) irq_enter();
  else if (ctx == TPCTX_NMI) nmi_enter();
  else if (ctx == TPCTX_IDLE) {
    local_irq_disable();
    rcu_idle_enter();
  }
}

@inline function leave(ctx: u32): void {
  if (ctx == TPCTX_IRQ) irq_exit();
  else if (ctx == TPCTX_NMI) nmi_exit();
  else if (ctx == TPCTX_IDLE) {
    rcu_idle_exit();
    local_irq_enable();
  } else rcu_note_context_switch(); // a scheduling point after a task-context call
  cpu_stat_inc(PCPU_TP, TPS_CALLS);
}

// One torture loop per strategy loop of strategies.ts: `n` calls from contexts in `mask`,
// on tracepoint `id`.
export function tp_torture_plain(n: u32, id: u32, mask: u32): u32 {
  for (let i: u32 = 0; i < n; i++) { const c = pick(mask); enter(c); trace_plain(tracepoint(id), i); leave(c); }
  return n;
}
export function tp_torture_rcuidle_irq(n: u32, id: u32, mask: u32): u32 {
  for (let i: u32 = 0; i < n; i++) { const c = pick(mask); enter(c); trace_rcuidle_irq(tracepoint(id), i); leave(c); }
  return n;
}
export function tp_torture_rcuidle_srcu(n: u32, id: u32, mask: u32): u32 {
  for (let i: u32 = 0; i < n; i++) { const c = pick(mask); enter(c); trace_rcuidle_srcu(tracepoint(id), i); leave(c); }
  return n;
}
export function tp_torture_rcuidle_srcu_irq(n: u32, id: u32, mask: u32): u32 {
  for (let i: u32 = 0; i < n; i++) { const c = pick(mask); enter(c); trace_rcuidle_srcu_irq(tracepoint(id), i); leave(c); }
  return n;
}
export function tp_torture_rcuidle_watching(n: u32, id: u32, mask: u32): u32 {
  for (let i: u32 = 0; i < n; i++) { const c = pick(mask); enter(c); trace_rcuidle_watching(tracepoint(id), i); leave(c); }
  return n;
}
export function tp_torture_noinstr(n: u32, id: u32, mask: u32): u32 {
  for (let i: u32 = 0; i < n; i++) { const c = pick(mask); enter(c); trace_noinstr(tracepoint(id), i); leave(c); }
  return n;
}
export function tp_torture_noinstr_lockdep(n: u32, id: u32, mask: u32): u32 {
  for (let i: u32 = 0; i < n; i++) { const c = pick(mask); enter(c); trace_noinstr_lockdep(tracepoint(id), i); leave(c); }
  return n;
}
export function tp_torture_srcu_fast(n: u32, id: u32, mask: u32): u32 {
  for (let i: u32 = 0; i < n; i++) { const c = pick(mask); enter(c); trace_srcu_fast(tracepoint(id), i); leave(c); }
  return n;
}
