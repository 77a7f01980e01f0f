// Tracepoint torture: a CPU calls one strategy's tracepoint from the contexts it is asked
// to use (task, irq over a task, idle, NMI over a task, irq over idle, NMI over idle), entered and left the kernel's way, while the
// host churns the probe array. A probe that spins (probe_spin) makes the reader hold the
// array long enough for a too-short grace period to free it under the reader: the reader
// then calls probe_uaf, the poison of a freed array, and the use-after-free is counted.
import { NR_PROBE_ARRAYS, PA_ENTRIES, PA_STRIDE, PCPU_TP, TP_ARENA, TP_FUNCS, TPS_CALLS, TPS_IN_CALL, TPS_IN_CALL_SLOT_SHIFT } from "../layout";
import { cpu_stat_inc } from "../primitives";
import { this_cpu_ptr } from "../percpu";
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

/** Context bits of the `mask` argument: task, irq over a task, idle, NMI over a task, irq over idle, NMI over idle. */
export const TPCTX_TASK: u32 = 1;
export const TPCTX_IRQ: u32 = 2;
export const TPCTX_IDLE: u32 = 4;
export const TPCTX_NMI: u32 = 8;
export const TPCTX_IRQ_IDLE: u32 = 16;
export const TPCTX_NMI_IDLE: u32 = 32;
const NR_TPCTX: u32 = 6;

/** Pick one of the contexts in `mask` (non-zero: the host checks) at random. */
function pick(mask: u32): u32 {
  let c: u32 = 0;
  do c = 1 << (torture_random() % NR_TPCTX);
  while ((mask & ((1 << NR_TPCTX) - 1) & c) == 0);
  return c;
}

/**
 * The idle loop (kernel/sched/idle.c do_idle(), v5.6): local_irq_disable();
 * rcu_idle_enter(); then the sti of sti; hlt: the CPU idles with interrupts enabled, so a
 * probe called here can take a tick, and an interrupt or NMI can arrive.
 */
@inline function idle_enter(): void {
  local_irq_disable();
  rcu_idle_enter();
  local_irq_enable();
}

/** Wake from hlt: local_irq_disable(); rcu_idle_exit(); local_irq_enable(). */
@inline function idle_exit(): void {
  local_irq_disable();
  rcu_idle_exit();
  local_irq_enable();
}

@inline function enter(ctx: u32): void {
  if (ctx == TPCTX_IRQ) irq_enter();
  else if (ctx == TPCTX_NMI) nmi_enter();
  else if (ctx == TPCTX_IDLE) idle_enter();
  else if (ctx == TPCTX_IRQ_IDLE) {
    idle_enter();
    irq_enter(); // rcu_irq_enter(): leaves the EQS (dynticks_nmi_nesting 1)
  } else if (ctx == TPCTX_NMI_IDLE) {
    idle_enter();
    nmi_enter(); // rcu_nmi_enter(): leaves the EQS
  }
}

@inline function leave(ctx: u32): void {
  if (ctx == TPCTX_IRQ) irq_exit();
  else if (ctx == TPCTX_NMI) nmi_exit();
  else if (ctx == TPCTX_IDLE) idle_exit();
  else if (ctx == TPCTX_IRQ_IDLE) {
    irq_exit();
    idle_exit();
  } else if (ctx == TPCTX_NMI_IDLE) {
    nmi_exit();
    idle_exit();
  } else rcu_note_context_switch(); // a scheduling point after a task-context call
  cpu_stat_inc(PCPU_TP, TPS_CALLS);
}

/**
 * Before the call: note on this CPU which probe array is published now (the one the call is
 * about to dereference) and the context, so that the host, when it releases that array,
 * knows that its grace period began under a call from this context (tp-torture.ts: the
 * evidence that a run could have failed). Sequentially consistent stores and loads (as the
 * host's Atomics.load after rcu_assign_pointer()'s atomic.store): either the host's scan
 * sees this note, or this load already sees the new array. Emulator bookkeeping, not counted.
 */
@inline function call_begin(ctx: u32, tp: usize): void {
  const funcs = atomic.load<u32>(tp + TP_FUNCS);
  const slot: u32 = funcs == 0 ? 0 : (funcs - PA_ENTRIES - TP_ARENA) / PA_STRIDE;
  atomic.store<u32>(this_cpu_ptr(PCPU_TP + TPS_IN_CALL), funcs == 0 || slot >= NR_PROBE_ARRAYS ? 0 : ((slot + 1) << TPS_IN_CALL_SLOT_SHIFT) | ctx);
}

@inline function call_end(): void {
  atomic.store<u32>(this_cpu_ptr(PCPU_TP + TPS_IN_CALL), 0);
}

// One torture loop per strategy loop of strategies.ts: `n` calls from contexts in `mask`,
// on tracepoint `id`.
export function tp_torture_plain(n: u32, id: u32, mask: u32): u32 {
  for (let i: u32 = 0; i < n; i++) { const c = pick(mask); enter(c); call_begin(c, tracepoint(id)); trace_plain(tracepoint(id), i); call_end(); leave(c); }
  return n;
}
export function tp_torture_rcuidle_irq(n: u32, id: u32, mask: u32): u32 {
  for (let i: u32 = 0; i < n; i++) { const c = pick(mask); enter(c); call_begin(c, tracepoint(id)); trace_rcuidle_irq(tracepoint(id), i); call_end(); leave(c); }
  return n;
}
export function tp_torture_rcuidle_srcu(n: u32, id: u32, mask: u32): u32 {
  for (let i: u32 = 0; i < n; i++) { const c = pick(mask); enter(c); call_begin(c, tracepoint(id)); trace_rcuidle_srcu(tracepoint(id), i); call_end(); leave(c); }
  return n;
}
export function tp_torture_rcuidle_srcu_irq(n: u32, id: u32, mask: u32): u32 {
  for (let i: u32 = 0; i < n; i++) { const c = pick(mask); enter(c); call_begin(c, tracepoint(id)); trace_rcuidle_srcu_irq(tracepoint(id), i); call_end(); leave(c); }
  return n;
}
export function tp_torture_rcuidle_watching(n: u32, id: u32, mask: u32): u32 {
  for (let i: u32 = 0; i < n; i++) { const c = pick(mask); enter(c); call_begin(c, tracepoint(id)); trace_rcuidle_watching(tracepoint(id), i); call_end(); leave(c); }
  return n;
}
export function tp_torture_noinstr(n: u32, id: u32, mask: u32): u32 {
  for (let i: u32 = 0; i < n; i++) { const c = pick(mask); enter(c); call_begin(c, tracepoint(id)); trace_noinstr(tracepoint(id), i); call_end(); leave(c); }
  return n;
}
export function tp_torture_noinstr_lockdep(n: u32, id: u32, mask: u32): u32 {
  for (let i: u32 = 0; i < n; i++) { const c = pick(mask); enter(c); call_begin(c, tracepoint(id)); trace_noinstr_lockdep(tracepoint(id), i); call_end(); leave(c); }
  return n;
}
export function tp_torture_srcu_fast(n: u32, id: u32, mask: u32): u32 {
  for (let i: u32 = 0; i < n; i++) { const c = pick(mask); enter(c); call_begin(c, tracepoint(id)); trace_srcu_fast(tracepoint(id), i); call_end(); leave(c); }
  return n;
}
