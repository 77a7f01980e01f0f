// Tracer recursion guards, each as the kernel code it names (read in Rtoax/linux-5.10.13, a
// copy of v5.10.13), plus the per-stack `in_tracing` flag proposed in the 2020 thread.
// Each guard is a try (a token >= 0: the probe may run; -1: the event is dropped) and a
// release of the token. Kernel memory goes through the counted primitives. Each takes
// `broken`: its broken variant (FAULT_REC_GUARD_BROKEN, read once by the scenarios'
// dispatch); the measured loops pass false, a constant the compiler removes.
import { PCPU_BPF_PROG_ACTIVE, PCPU_CPU_ID, PCPU_PERF_RECURSION, PCPU_REC_CPU, REC_CURRENT, REC_FLAG_PTR } from "../layout";
import { this_cpu_ptr } from "../percpu";
import { HARDIRQ_MASK, NMI_MASK, SOFTIRQ_MASK, SOFTIRQ_OFFSET, in_nmi, preempt_count } from "../preempt";
import { READ_ONCE_u32, WRITE_ONCE_u32, barrier, branch, this_cpu_add_return_u32, this_cpu_read_u32 } from "../primitives";
import { FAULT_REC_GUARD_BROKEN, fault_injected } from "../rcu/faults";
import { TK_TRACE_RECURSION } from "./lab";

export const GUARD_NONE: u32 = 0;
export const GUARD_BPF_PROG_ACTIVE: u32 = 1;
export const GUARD_FTRACE_BITS: u32 = 2;
export const GUARD_PERF_CONTEXT: u32 = 3;
export const GUARD_STACK_FLAG: u32 = 4;
export const GUARD_STACK_FLAG_PER_TRACER: u32 = 5;
export const NR_REC_GUARDS: u32 = 6;

// ---- bpf-prog-active: trace_call_bpf() (kernel/trace/bpf_trace.c, v5.10.13) ---------------
//   if (in_nmi()) /* not supported yet */ return 1;
//   cant_sleep();
//   if (unlikely(__this_cpu_inc_return(bpf_prog_active) != 1)) { ret = 0; goto out; }
//   ret = BPF_PROG_RUN_ARRAY_CHECK(...);
//  out: __this_cpu_dec(bpf_prog_active);
// In an NMI the program does not run at all (the event is lost for BPF). The counter is per
// CPU: any nested event on the CPU is dropped, whoever's it is. Broken: the `!= 1` test is skipped.

@inline export function bpf_prog_active_try(broken: bool): i32 {
  if (branch(in_nmi())) return -1;
  const v = this_cpu_add_return_u32(PCPU_BPF_PROG_ACTIVE, 1);
  if (branch(v != 1) && !broken) {
    this_cpu_add_return_u32(PCPU_BPF_PROG_ACTIVE, <u32>-1); // out: __this_cpu_dec()
    return -1;
  }
  return 0;
}

@inline export function bpf_prog_active_release(): void {
  this_cpu_add_return_u32(PCPU_BPF_PROG_ACTIVE, <u32>-1);
}

// ---- ftrace-bits: trace_test_and_set_recursion() (kernel/trace/trace.h, v5.10.13) ------------
// Per-task bits current->trace_recursion, one per context (TRACE_FTRACE_{NMI,IRQ,SIRQ,}_BIT),
// and TRACE_TRANSITION_BIT: "When transitioning between context, the preempt_count() may not
// be correct. Allow for a single recursion to cover this case." The function tracer's range:
// start TRACE_FTRACE_START (0), max TRACE_FTRACE_MAX. Broken: the context bit is always NORMAL.
const TRACE_FTRACE_START: u32 = 0;
const TRACE_CONTEXT_BITS: u32 = 4;
const TRACE_FTRACE_MAX: u32 = (1 << (TRACE_FTRACE_START + TRACE_CONTEXT_BITS)) - 1;
const TRACE_LIST_MAX: u32 = (1 << (4 + TRACE_CONTEXT_BITS)) - 1; // TRACE_LIST_START = TRACE_INTERNAL_BIT = 4
const TRACE_CONTEXT_MASK: u32 = TRACE_LIST_MAX;
/** TRACE_TRANSITION_BIT: the 15th value of v5.10.13's enum (after FTRACE x4, INTERNAL x4, BRANCH, IRQ, GRAPH, GRAPH_DEPTH x2, GRAPH_NOTRACE). */
export const TRACE_TRANSITION_BIT: u32 = 14;

/** trace_get_context_bit(): NMI 0, IRQ 1, softirq 2, normal 3 (one load of the preempt count). */
@inline function trace_get_context_bit(broken: bool): u32 {
  const pc = preempt_count();
  if (broken) return 3;
  if (branch((pc & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_MASK)) != 0)) { // in_interrupt()
    if (branch((pc & NMI_MASK) != 0)) return 0;
    if (branch((pc & HARDIRQ_MASK) != 0)) return 1;
    return 2;
  }
  return 3;
}

/** Returns bit + 1 as the kernel does (0: "a previous recursion check was made"), or -1. */
@inline export function ftrace_bits_try(broken: bool): i32 {
  const cur = this_cpu_read_u32(PCPU_REC_CPU + REC_CURRENT); // current: mov %gs:current_task
  const p = <usize>(cur + TK_TRACE_RECURSION);
  let val = READ_ONCE_u32(p);
  if (branch((val & TRACE_CONTEXT_MASK) > TRACE_FTRACE_MAX)) return 0; // A previous recursion check was made
  let bit = trace_get_context_bit(broken) + TRACE_FTRACE_START;
  if (branch((val & (1 << bit)) != 0)) {
    bit = TRACE_TRANSITION_BIT;
    if (branch((val & (1 << bit)) != 0)) return -1; // trace_recursion_test(bit)
    WRITE_ONCE_u32(p, val | (1 << bit)); // trace_recursion_set(bit)
    barrier(); // the bit is set before the callback runs: an interrupt on this CPU sees it; no other CPU reads it
    return <i32>bit + 1;
  }
  // "Normal check passed, clear the transition to allow it again": trace_recursion_clear()
  // writes current->trace_recursion, which the store of `val` (read before it) then
  // overwrites: in v5.10.13 the clear has no effect (a dead store the compiler removes).
  // v5.11's include/linux/trace_recursion.h clears the bit in `val` instead.
  val |= 1 << bit;
  WRITE_ONCE_u32(p, val);
  barrier(); // as above: set before the callback, for this CPU's interrupts only
  return <i32>bit + 1;
}

/** trace_clear_recursion(bit). */
@inline export function ftrace_bits_release(token: i32): void {
  if (branch(token == 0)) return;
  const cur = this_cpu_read_u32(PCPU_REC_CPU + REC_CURRENT);
  const p = <usize>(cur + TK_TRACE_RECURSION);
  const val = READ_ONCE_u32(p) & ~(<u32>1 << <u32>(token - 1));
  barrier(); // the callback's work is done before the bit is cleared (pairs with the barrier of the try)
  WRITE_ONCE_u32(p, val);
}

// ---- perf-context: get_recursion_context(swhash->recursion) (kernel/events/internal.h,
// perf_swevent_get_recursion_context() in kernel/events/core.c, v5.10.13) -----------------
//   rctx = !!(pc & NMI_MASK) + !!(pc & (NMI_MASK | HARDIRQ_MASK)) + !!(pc & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET));
//   if (recursion[rctx]) return -1;  recursion[rctx]++;  barrier();  return rctx;
// A per-CPU int per context level. Broken: the level is always 0.

/** this_cpu_ptr(&swevent_htable) on x86 loads this_cpu_off from %gs: one per-CPU load (PCPU_CPU_ID stands in for it). */
@inline function swevent_recursion(rctx: u32): usize {
  this_cpu_read_u32(PCPU_CPU_ID);
  return this_cpu_ptr(PCPU_PERF_RECURSION) + (<usize>rctx << 2);
}

@inline export function perf_context_try(broken: bool): i32 {
  const pc = preempt_count();
  let rctx: u32 = 0;
  rctx += (pc & NMI_MASK) != 0 ? 1 : 0; // setcc, no branch
  rctx += (pc & (NMI_MASK | HARDIRQ_MASK)) != 0 ? 1 : 0;
  rctx += (pc & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET)) != 0 ? 1 : 0;
  if (broken) rctx = 0;
  const slot = swevent_recursion(rctx);
  const v = READ_ONCE_u32(slot);
  if (branch(v != 0)) return -1;
  WRITE_ONCE_u32(slot, v + 1); // recursion[rctx]++: the compiler reuses the value it tested
  barrier(); // the count is up before the event's work: an interrupt on this CPU sees it
  return <i32>rctx;
}

/** perf_swevent_put_recursion_context(rctx): barrier(); recursion[rctx]--. */
@inline export function perf_context_release(rctx: i32): void {
  const slot = swevent_recursion(<u32>rctx);
  barrier(); // the event's work is done before the count drops (pairs with the try's barrier)
  WRITE_ONCE_u32(slot, READ_ONCE_u32(slot) - 1);
}

// ---- stack-flag: the proposal of 2020-03-10 (Desnoyers, "#4 Protecting call chains") --------
// "adding a "in_tracing" flag somewhere alongside each kernel stack. Each thread and interrupt
// stack would have its own flag. However, trap handlers should share the "in_tracing" flag
// with the context which triggers the trap." Not in any kernel: written from the mail. The
// flag word of the stack in use is found through one per-CPU pointer (recursion/stacks.ts);
// the token is the word's address, kept in a register across the probe.

@inline export function stack_flag_try(): i32 {
  const word = <usize>this_cpu_read_u32(PCPU_REC_CPU + REC_FLAG_PTR);
  if (branch(READ_ONCE_u32(word) != 0)) return -1;
  WRITE_ONCE_u32(word, 1);
  barrier(); // the flag is up before the probe runs: a trap or interrupt on this CPU sees it
  return <i32>word;
}

@inline export function stack_flag_release(word: i32): void {
  barrier(); // the probe is done before the flag drops (pairs with the try's barrier)
  WRITE_ONCE_u32(<usize>word, 0);
}

// ---- stack-flag-per-tracer: "one distinct flag per tracer" (the same mail) ------------------
// Bit `tracer` of the stack's second word, so that tracer A may trace tracer B and each breaks
// its own recursion. A read-modify-write that need not be atomic: anything that interrupts it
// on this stack (a trap) restores the word before returning. Broken: one bit for every tracer.

@inline function tracer_bit(tracer: u32, broken: bool): u32 {
  return broken ? 1 : <u32>1 << tracer;
}

@inline export function stack_flag_per_tracer_try(tracer: u32, broken: bool): i32 {
  const word = <usize>this_cpu_read_u32(PCPU_REC_CPU + REC_FLAG_PTR) + 4;
  const bit = tracer_bit(tracer, broken);
  const v = READ_ONCE_u32(word);
  if (branch((v & bit) != 0)) return -1;
  WRITE_ONCE_u32(word, v | bit);
  barrier(); // as stack_flag_try()
  return <i32>word;
}

@inline export function stack_flag_per_tracer_release(tracer: u32, word: i32, broken: bool): void {
  barrier(); // as stack_flag_release()
  WRITE_ONCE_u32(<usize>word, READ_ONCE_u32(<usize>word) & ~tracer_bit(tracer, broken));
}

// ---- dispatch, for the scenarios (the measured loops call one guard each, guard_loops.ts) ----

export function guard_try(guard: u32, tracer: u32): i32 {
  const broken = fault_injected(FAULT_REC_GUARD_BROKEN);
  switch (guard) {
    case GUARD_BPF_PROG_ACTIVE: return bpf_prog_active_try(broken);
    case GUARD_FTRACE_BITS: return ftrace_bits_try(broken);
    case GUARD_PERF_CONTEXT: return perf_context_try(broken);
    case GUARD_STACK_FLAG: return stack_flag_try();
    case GUARD_STACK_FLAG_PER_TRACER: return stack_flag_per_tracer_try(tracer, broken);
    default: return 0; // GUARD_NONE
  }
}

export function guard_release(guard: u32, tracer: u32, token: i32): void {
  switch (guard) {
    case GUARD_BPF_PROG_ACTIVE: bpf_prog_active_release(); break;
    case GUARD_FTRACE_BITS: ftrace_bits_release(token); break;
    case GUARD_PERF_CONTEXT: perf_context_release(token); break;
    case GUARD_STACK_FLAG: stack_flag_release(token); break;
    case GUARD_STACK_FLAG_PER_TRACER: stack_flag_per_tracer_release(tracer, token, fault_injected(FAULT_REC_GUARD_BROKEN)); break;
    default: break;
  }
}
