// Interrupts delivered to a running CPU: the emulated local APIC. Each CPU has a pending-
// interrupt word (PCPU_IRQ_PENDING, IRQ_VEC_* bits): its schedule (every N operations, or at
// random with a seed), the emulated timer (kernel/clockevents.ts, at HZ) and other CPUs (IPIs,
// kernel/smp.ts) set bits in it; the CPU takes them at its interrupt-enabled points by
// calling irq_poll(), as hardware checks for a pending interrupt between instructions while
// EFLAGS.IF is set. An "operation" of the schedule is one such point passed.
//
// Polling is the emulator's work, not the kernel's: it reads and writes only uncounted
// emulator state (primitives.ts emulator_*, cpu_reg_*), so a counting-build command that
// takes no interrupt has the op counts it had without polling. The delivery itself,
// do_IRQ(), is kernel work and counted. Poll points: the syscall loops (between syscalls,
// in user mode), the rcutorture readers (between sections), irq_poll_loop, and the CPU
// worker before each command and in its idle loop (irq_poll_between_commands). Not in the
// tracepoint strategy loops (strategies.ts) or local_irq_enable(): the measured loops stay as they were.
import {
  IRQ_CFG_ARG, IRQ_CFG_COUNTDOWN, IRQ_CFG_ENTRY, IRQ_CFG_MODE, IRQ_CFG_NEXT_TICK_US, IRQ_CFG_PRNG, IRQ_CSD, IRQ_ST_DEVICE, IRQ_ST_IPI,
  IRQ_ST_TIMER, NR_TRACEPOINTS, PCPU_IRQS_DISABLED, PCPU_IRQ_CFG, PCPU_IRQ_PENDING, PCPU_IRQ_STATS, PCPU_PREEMPT_COUNT,
  PCPU_RCU_DYNTICKS, SCN_MIX_TP,
} from "../layout";
import { RCU_DYNTICK_CTRL_CTR } from "../rcu/dynticks";
import { tick_interrupt_v5_6, tick_interrupt_v5_8 } from "./entry_irq";
import { per_cpu_ptr, smp_processor_id, this_cpu_ptr } from "../percpu";
import { cpu_reg_read_u32, cpu_stat_inc, emulator_read_u32, emulator_take_u32, ops_counting_pause } from "../primitives";
import { NMI_MASK } from "../preempt";
import { rcu_sched_clock_irq } from "../rcu/tree_qs";
import { rcu_exp_handler } from "../rcu/tree_exp";
import { irq_enter, irq_exit } from "./hardirq";
import { interrupted_user_mode } from "./context_tracking";
import { CSD_RCU_EXP_HANDLER, IRQ_VEC_CALL_FUNCTION, IRQ_VEC_DEVICE, IRQ_VEC_TIMER, smp_call_function_single } from "./smp";

/** Schedules (IRQ_CFG_MODE). TICK raises only the timer vector, from clockevents.ts. */
export const IRQ_SCHED_OFF: u32 = 0;
export const IRQ_SCHED_TICK: u32 = 1; //   arg = HZ
export const IRQ_SCHED_EVERY: u32 = 2; //  arg = N: a device interrupt every N operations
export const IRQ_SCHED_RANDOM: u32 = 3; // arg = mean: gaps uniform in [1, 2 * mean - 1] operations

/**
 * Interrupt entry/exit paths (IRQ_CFG_ENTRY). IRQ_ENTRY_V5_6: kernel/softirq.c's
 * irq_enter()/irq_exit() around the handler (hardirq.ts), no arch entry code.
 * IRQ_ENTRY_X86_V5_6 and IRQ_ENTRY_X86_V5_8: the timer vector runs the whole x86 entry of that
 * version (kernel/entry_irq.ts: v5.6 entry_64.S with its TRACE_IRQS_OFF calls, or v5.8
 * idtentry_enter_cond_rcu()), from user mode, a task or idle as the CPU was interrupted; the
 * IPI and device vectors keep irq_enter()/irq_exit() (their handlers are not versioned here).
 */
export const IRQ_ENTRY_V5_6: u32 = 0;
export const IRQ_ENTRY_X86_V5_6: u32 = 1;
export const IRQ_ENTRY_X86_V5_8: u32 = 2;
export const NR_IRQ_ENTRIES: u32 = 3;

// The schedule's state is emulator configuration, not kernel memory: plain loads and stores.

/** xorshift64* (Vigna): the random schedule's per-CPU generator, reproducible from its seed. */
function irq_prng_next(cpu: u32): u64 {
  const p = per_cpu_ptr(PCPU_IRQ_CFG + IRQ_CFG_PRNG, cpu);
  let x = load<u64>(p);
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  store<u64>(p, x);
  return x * 0x2545f4914f6cdd1d;
}

/** Operations until the next scheduled interrupt of CPU `cpu`. */
function irq_next_gap(cpu: u32, mode: u32, arg: u32): u32 {
  if (mode == IRQ_SCHED_EVERY) return arg;
  return 1 + <u32>(irq_prng_next(cpu) % (<u64>2 * arg - 1));
}

/**
 * Configure CPU `cpu`'s schedule (the host does, from its own context, while the CPU is
 * between commands): IRQ_SCHED_* with its argument (N, mean or HZ; at least 1), the seed of
 * the random schedule, and the entry path (IRQ_ENTRY_*). Returns 0, or 1 when refused
 * (the host validates first and says why).
 */
export function irq_schedule_set(cpu: u32, mode: u32, arg: u32, seed: u32, entry: u32): u32 {
  if (mode > IRQ_SCHED_RANDOM || (mode != IRQ_SCHED_OFF && arg == 0) || entry >= NR_IRQ_ENTRIES) return 1;
  const cfg = per_cpu_ptr(PCPU_IRQ_CFG, cpu);
  store<u32>(cfg + IRQ_CFG_MODE, IRQ_SCHED_OFF); // no schedule while the rest changes
  store<u32>(cfg + IRQ_CFG_ARG, arg);
  store<u32>(cfg + IRQ_CFG_ENTRY, entry);
  store<u64>(cfg + IRQ_CFG_PRNG, (<u64>seed << 32) | (<u64>seed ^ 0x6a09e667)); // never 0: xorshift needs a non-zero state
  store<f64>(cfg + IRQ_CFG_NEXT_TICK_US, 0);
  if (mode >= IRQ_SCHED_EVERY) store<u32>(cfg + IRQ_CFG_COUNTDOWN, irq_next_gap(cpu, mode, arg));
  atomic.store<u32>(cfg + IRQ_CFG_MODE, mode);
  return 0;
}

/** generic_smp_call_function_single_interrupt() (kernel/smp.c): run the queued requests. */
function generic_smp_call_function_single_interrupt(): void {
  const csd = emulator_take_u32(this_cpu_ptr(PCPU_IRQ_PENDING) + IRQ_CSD, 0xffffffff); // llist_del_all(): after the vector was taken
  if ((csd & CSD_RCU_EXP_HANDLER) != 0) rcu_exp_handler();
}

/**
 * do_IRQ(vector) (arch/x86/kernel/irq.c, and the vector's own entry for the timer and IPIs,
 * v5.6): user_mode(regs) as the hardware left it, the entry path chosen by IRQ_CFG_ENTRY
 * (read without counting: it picks the kernel version under test), the vector's handler,
 * the exit path. The timer runs tick_sched_handle() -> update_process_times(user) ->
 * rcu_sched_clock_irq(user) (as tick.ts); a call-function IPI runs the queued functions;
 * a device interrupt runs a handler RCU does not see.
 */
export function do_IRQ(vector: u32): void {
  const user: u32 = interrupted_user_mode() ? 1 : 0; // sampled before the entry changes the preempt count
  const entry = emulator_read_u32(this_cpu_ptr(PCPU_IRQ_CFG + IRQ_CFG_ENTRY));
  if (vector == IRQ_VEC_TIMER && entry != IRQ_ENTRY_V5_6) {
    x86_timer_interrupt(entry == IRQ_ENTRY_X86_V5_8, user != 0);
    cpu_stat_inc(PCPU_IRQ_STATS, IRQ_ST_TIMER);
    return;
  }
  if (entry == IRQ_ENTRY_V5_6) irq_enter();
  if (vector == IRQ_VEC_TIMER) {
    rcu_sched_clock_irq(user);
    cpu_stat_inc(PCPU_IRQ_STATS, IRQ_ST_TIMER);
  } else if (vector == IRQ_VEC_CALL_FUNCTION) {
    generic_smp_call_function_single_interrupt();
    cpu_stat_inc(PCPU_IRQ_STATS, IRQ_ST_IPI);
  } else {
    cpu_stat_inc(PCPU_IRQ_STATS, IRQ_ST_DEVICE);
  }
  if (entry == IRQ_ENTRY_V5_6) irq_exit();
}

/**
 * The local APIC timer through the x86 entry code of v5.6 or v5.8 (kernel/entry_irq.ts). What
 * the interrupted context was is read without counting, as the hardware and the entry code
 * know it: user mode (context tracking), and idle when not in user mode and RCU is not
 * watching (after rcu_idle_enter()); nohz_full when user mode is an extended quiescent state.
 * The irq_disable/irq_enable tracepoint is the one the host configured (SCN_MIX_TP).
 */
function x86_timer_interrupt(v5_8: bool, user: bool): void {
  const watching = (cpu_reg_read_u32(PCPU_RCU_DYNTICKS) & RCU_DYNTICK_CTRL_CTR) != 0;
  const idle = !user && !watching;
  const nohz_full: u32 = user && !watching ? 1 : 0;
  const tp = emulator_read_u32(SCN_MIX_TP);
  const id = tp < NR_TRACEPOINTS ? tp : 0;
  if (v5_8) tick_interrupt_v5_8(id, user, idle, nohz_full, false);
  else tick_interrupt_v5_6(id, user, idle, nohz_full, false);
}

/** Deliver what is pending, highest priority first (x86: the higher vector; IPIs, timer, devices). */
function irq_deliver_pending(): void {
  const p = this_cpu_ptr(PCPU_IRQ_PENDING);
  if (emulator_take_u32(p, IRQ_VEC_CALL_FUNCTION) != 0) do_IRQ(IRQ_VEC_CALL_FUNCTION);
  if (emulator_take_u32(p, IRQ_VEC_TIMER) != 0) do_IRQ(IRQ_VEC_TIMER);
  if (emulator_take_u32(p, IRQ_VEC_DEVICE) != 0) do_IRQ(IRQ_VEC_DEVICE);
}

function irq_poll_slow(mode: u32): void {
  if (mode >= IRQ_SCHED_EVERY) {
    const cfg = this_cpu_ptr(PCPU_IRQ_CFG);
    const left = load<u32>(cfg + IRQ_CFG_COUNTDOWN);
    if (left <= 1) {
      atomic.or<u32>(this_cpu_ptr(PCPU_IRQ_PENDING), IRQ_VEC_DEVICE);
      store<u32>(cfg + IRQ_CFG_COUNTDOWN, irq_next_gap(smp_processor_id(), mode, load<u32>(cfg + IRQ_CFG_ARG)));
    } else {
      store<u32>(cfg + IRQ_CFG_COUNTDOWN, left - 1);
    }
  }
  // Masked: EFLAGS.IF clear, or an NMI handler (whose interrupt gate cleared IF). The bits
  // stay pending until a poll point with interrupts enabled.
  if (cpu_reg_read_u32(PCPU_IRQS_DISABLED) != 0 || (cpu_reg_read_u32(PCPU_PREEMPT_COUNT) & NMI_MASK) != 0) return;
  if (emulator_read_u32(this_cpu_ptr(PCPU_IRQ_PENDING)) != 0) irq_deliver_pending();
}

/**
 * An interrupt-enabled point of this CPU: one operation of its schedule, then the delivery of
 * whatever is pending if interrupts are enabled. Two uncounted loads when nothing is pending
 * and no schedule counts operations.
 */
@inline export function irq_poll(): void {
  const mode = cpu_reg_read_u32(PCPU_IRQ_CFG + IRQ_CFG_MODE);
  // EVERY (2) and RANDOM (3) share bit 1: the schedules that count operations.
  if ((emulator_read_u32(this_cpu_ptr(PCPU_IRQ_PENDING)) | (mode & IRQ_SCHED_EVERY)) == 0) return;
  irq_poll_slow(mode);
}

/** `n` operations of a task with interrupts enabled (a known loop for schedules and tests). Returns n. */
export function irq_poll_loop(n: u32): u32 {
  for (let i: u32 = 0; i < n; i++) irq_poll();
  return n;
}

/**
 * The CPU worker's poll point between commands (before a command, and in its idle loop:
 * an interrupt from idle wakes the CPU from hlt). Not part of any command's work: op counting
 * is paused. Takes no schedule operation: only what is pending is delivered. Returns the
 * vectors that were pending.
 */
export function irq_poll_between_commands(): u32 {
  const pending = emulator_read_u32(this_cpu_ptr(PCPU_IRQ_PENDING));
  if (pending == 0) return 0;
  if (cpu_reg_read_u32(PCPU_IRQS_DISABLED) != 0 || (cpu_reg_read_u32(PCPU_PREEMPT_COUNT) & NMI_MASK) != 0) return pending;
  ops_counting_pause(true);
  irq_deliver_pending();
  ops_counting_pause(false);
  return pending;
}

/** The host's IPI: smp_call_function_single(cpu) with no function (the call-function vector alone). */
export function irq_send_ipi(cpu: u32): void {
  smp_call_function_single(cpu, 0);
}

/** Read-only view for the host: CPU `cpu`'s schedule mode (IRQ_SCHED_*). */
export function irq_schedule_mode(cpu: u32): u32 {
  return atomic.load<u32>(per_cpu_ptr(PCPU_IRQ_CFG + IRQ_CFG_MODE, cpu));
}
