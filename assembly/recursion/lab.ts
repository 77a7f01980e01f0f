// The recursion lab's state: what the emulator keeps about the run, beside the
// kernel state the guards use (their per-CPU words, the tasks' trace_recursion and stack
// flags). It lives in the per-CPU area of the context that runs the lab (its "home"),
// addressed absolutely, so that a task that migrates (the %gs base changes) keeps its
// bookkeeping. Nothing here is a kernel memory op: every access is uncounted.
//
// PCPU_REC_LAB, 11 lines:
//   line 0      config and the current call chain (RL_*)
//   line 1      u32 x 16: which tracers are attached to each tracepoint / site (bit t: tracer t)
//   lines 2-3   u32 x 32: statistics (ST_*)
//   lines 4-5   NR_REC_TASKS task_structs of 32 bytes (TK_*)
//   lines 6-9   the broken variant's per-trap in_tracing words (2 x u32 per frame depth)
//   line 10     the text: instruction at each site, bp_desc, the text_poke_bp step
import { PCPU_REC_LAB, CACHELINE } from "../layout";
import { per_cpu_ptr, smp_processor_id } from "../percpu";
import { emulator_read_u32, emulator_write_u32 } from "../primitives";
import { FAULT_REC_GUARD_BROKEN, fault_injected } from "../rcu/faults";

/** Tracers: A and B (each with its own guard, its own probe behaviour). */
export const NR_REC_TRACERS: u32 = 2;
export const TRACER_A: u32 = 0;
export const TRACER_B: u32 = 1;
export const NR_REC_TASKS: u32 = 4;

/** Emulated stack limit in frames (probe calls, traps, interrupts): one more is an overflow, counted as a crash. */
export const REC_STACK_LIMIT: u32 = 32;

// line 0
export const RL_GUARD: u32 = 0; //          u32 x 2: guard of tracer t
export const RL_ACTION: u32 = 8; //         u32 x 2: what tracer t's probe does (ACT_*)
export const RL_HELPER: u32 = 16; //        u32 x 2: the site in the helper tracer t's probe calls
export const RL_INT3_NOINSTR: u32 = 24; //  u32 1: the #BP entry is v5.10's noinstr one; 0: v5.6's
export const RL_PENDING: u32 = 28; //       u32 interrupts that arrive at the next delivery point (PEND_*)
export const RL_SYNC: u32 = 32; //          u32 tracers whose probe is on the current synchronous call chain
export const RL_DEPTH: u32 = 36; //         u32 frames on the current chain
export const RL_CRASHED: u32 = 40; //       u32 1 after a stack overflow: everything unwinds
export const RL_TRAP_KIND: u32 = 44; //     u32 the trap an ACT_FAULT probe takes (TRAP_PF, TRAP_DB)
export const RL_HOME: u32 = 48; //          u32 the context that runs the lab
export const RL_OTHER: u32 = 52; //         u32 the CPU a task migrates to (== home: none)
export const RL_RANDOM: u32 = 56; //        u32 1: probes choose their actions at random (the random scenario)
export const RL_ATTACH: u32 = 1 * CACHELINE;
export const RL_STATS: u32 = 2 * CACHELINE;
export const RL_TASKS: u32 = 4 * CACHELINE;
export const RL_TRAP_FLAGS: u32 = 6 * CACHELINE;
export const RL_TEXT: u32 = 10 * CACHELINE;
export const REC_LAB_SIZE: u32 = 11 * CACHELINE;

// Statistics (u32 slots of RL_STATS).
export const ST_ATTEMPTS_LEGIT: u32 = 0; //     probe calls that should record (not the tracer's own recursion)
export const ST_ATTEMPTS_RECURSIVE: u32 = 1; // probe calls made from the same tracer's probe on the synchronous chain
export const ST_RECORDED_LEGIT: u32 = 2;
export const ST_RECORDED_RECURSIVE: u32 = 3; // recursions the guard let through
export const ST_LOST: u32 = 4; //               legitimate events the guard dropped
export const ST_STOPPED: u32 = 5; //            recursions the guard stopped
export const ST_MAX_DEPTH: u32 = 6;
export const ST_CRASHES: u32 = 7;
export const ST_TRAPS: u32 = 8; //              #PF/#DB/#BP taken
export const ST_INTERRUPTS: u32 = 9; //         IRQs, NMIs and softirqs run
export const ST_LEFTOVER: u32 = 10; //          guard words left non-zero after the scenario
export const ST_TOP: u32 = 11; //               top-level steps run (the random scenario)
export const NR_REC_STATS: u32 = 12;

// task_struct of the lab (TK_*): the fields the guards read through `current`.
export const TK_TRACE_RECURSION: u32 = 0; // unsigned int trace_recursion (include/linux/sched.h)
export const TK_STACK_FLAG: u32 = 4; //      u32 in_tracing of this task's stack (shared by every tracer)
export const TK_STACK_FLAGS_PT: u32 = 8; //  u32 in_tracing bits of this task's stack, bit t: tracer t
export const TK_SYNC: u32 = 12; //           emulator: the chain state saved while the task is off-CPU
export const TK_DEPTH: u32 = 16;
export const TASK_SIZE: u32 = 32;

let lab_home: u32 = 0;

@inline export function lab_base(): usize {
  return per_cpu_ptr(PCPU_REC_LAB, lab_home);
}
@inline export function lab_get(off: u32): u32 {
  return emulator_read_u32(lab_base() + off);
}
@inline export function lab_set(off: u32, v: u32): void {
  emulator_write_u32(lab_base() + off, v);
}
@inline export function stat_inc(st: u32): void {
  lab_set(RL_STATS + (st << 2), lab_get(RL_STATS + (st << 2)) + 1);
}
@inline export function stat_get(st: u32): u32 {
  return lab_get(RL_STATS + (st << 2));
}
@inline export function task_ptr(t: u32): u32 {
  return <u32>lab_base() + RL_TASKS + t * TASK_SIZE;
}
@inline export function crashed(): bool {
  return lab_get(RL_CRASHED) != 0;
}

/** Make the running context the lab's home and clear the lab's state (config, stats, tasks, text). */
export function lab_clear(): void {
  lab_home = smp_processor_id();
  for (let off: u32 = 0; off < REC_LAB_SIZE; off += 4) lab_set(off, 0);
  lab_set(RL_HOME, lab_home);
}

/**
 * A frame is pushed on the emulated stack (a probe call, a trap, an interrupt). Past
 * REC_STACK_LIMIT frames the stack overflows: the kernel would die; the lab counts a crash
 * and every frame unwinds without doing new work. Broken variant (FAULT_REC_GUARD_BROKEN, for
 * `none`, which has no guard to break): the limit is one frame higher.
 */
export function frame_push(): bool {
  if (crashed()) return false;
  const d = lab_get(RL_DEPTH);
  const limit = REC_STACK_LIMIT + (fault_injected(FAULT_REC_GUARD_BROKEN) ? 1 : 0);
  if (d >= limit) {
    lab_set(RL_CRASHED, 1);
    stat_inc(ST_CRASHES);
    return false;
  }
  lab_set(RL_DEPTH, d + 1);
  if (d + 1 > stat_get(ST_MAX_DEPTH)) lab_set(RL_STATS + (ST_MAX_DEPTH << 2), d + 1);
  return true;
}

export function frame_pop(): void {
  lab_set(RL_DEPTH, lab_get(RL_DEPTH) - 1);
}

/** Tracers attached to tracepoint or site `id` (bit t: tracer t). */
@inline export function attached(id: u32): u32 {
  return lab_get(RL_ATTACH + (id << 2));
}
export function attach(id: u32, tracer: u32): void {
  lab_set(RL_ATTACH + (id << 2), attached(id) | (1 << tracer));
}
