// A hardware interrupt, complete: the x86-64 entry code, the handler, irq_exit() with
// softirq processing, the return. The interrupt is the local APIC timer, the
// scheduling-clock tick: its handler is rcu_sched_clock_irq(user_mode(regs)) (tick.ts), so a
// tick that interrupted user mode or RCU-idle reports a quiescent state. Three interrupted
// contexts: user mode (interrupts on, tracing_irq_cpu 0; with nohz_full after rcu_user_enter()),
// a task (interrupts on), the idle task in hlt (after rcu_idle_enter(); safe_halt() traced
// interrupts on). `nested` = 1: the tick raised a softirq (TIMER_SOFTIRQ: run_local_timers()),
// irq_exit() runs it with interrupts on, and a second tick arrives during it: the same
// version's path from kernel mode over the same task (`is_idle_task(current)` still holds
// over idle), with no softirq of its own (in_interrupt()). Every path leaves the preempt
// count, IF, tracing_irq_cpu and the nesting counters as it found them.
//
// v5.6 (entry_64.S common_interrupt -> interrupt_entry, smp_apic_timer_interrupt(),
// ret_from_intr; read in the pre-images of tglx's v5.8 "x86/entry" series and in the comment
// the 2020 thread quotes): TRACE_IRQS_OFF, and from user mode first TRACE_IRQS_OFF then
// CALL_enter_from_user_mode then TRACE_IRQS_OFF again ("just call it twice": the second finds
// tracing_irq_cpu set); entering_ack_irq() -> irq_enter() with rcu_irq_enter(); exiting_irq()
// -> irq_exit(); ret_from_intr: DISABLE_INTERRUPTS; TRACE_IRQS_OFF; retint_user ->
// prepare_exit_to_usermode() (user_enter_irqoff()) or retint_kernel (preemption check);
// TRACE_IRQS_IRETQ (trace_hardirqs_on(), rcuidle: RCU may not be watching); iret.
// v5.8 (arch/x86/entry/common.c of v5.8, read in full in the code index; DEFINE_IDTENTRY_SYSVEC
// of arch/x86/include/asm/idtentry.h): idtentry_enter_cond_rcu(); irq_enter_rcu(); handler;
// irq_exit_rcu(); idtentry_exit_cond_rcu().
import { local_irq_disable, local_irq_enable } from "../irqflags";
import { preempt_count } from "../preempt";
import { PCPU_RCU_DYNTICKS } from "../layout";
import { branch, cpu_reg_read_u32, out_of_line_call } from "../primitives";
import { RCU_DYNTICK_CTRL_CTR, rcu_dynticks_curr_cpu_in_eqs, rcu_irq_enter, rcu_irq_exit } from "../rcu/dynticks";
import { FAULT_IRQ_ENTRY_WATCHING_SHORTCUT, FAULT_IRQ_EXIT_IGNORES_RCU_EXIT, fault_injected } from "../rcu/faults";
import { USAGE_NOT_WATCHING, usage_error } from "../rcu/usage";
import { rcu_sched_clock_irq } from "../rcu/tree_qs";
import { user_enter_irqoff, user_exit_irqoff } from "./entry_syscall";
import { in_interrupt, irq_enter_rcu, irq_enter_v5_6, irq_exit_head, irq_exit_tail } from "./softirq";
import {
  lockdep_hardirqs_off, lockdep_hardirqs_on, lockdep_hardirqs_on_prepare, trace_hardirqs_off_finish, trace_hardirqs_off_v5_6,
  trace_hardirqs_off_v5_8, trace_hardirqs_on_prepare, trace_hardirqs_on_v5_6, trace_hardirqs_on_v5_8,
} from "./trace_preemptirq";

/** `from` of irq_loop_v5_6/v5_8: the interrupted context (user mode: RCU watching it, or nohz_full: an EQS). */
export const IRQ_FROM_USER: u32 = 0;
export const IRQ_FROM_TASK: u32 = 1;
export const IRQ_FROM_IDLE: u32 = 2;
export const IRQ_FROM_USER_NOHZ_FULL: u32 = 3;

@inline function from_user(from: u32): bool {
  return from == IRQ_FROM_USER || from == IRQ_FROM_USER_NOHZ_FULL;
}

// Bits of the state the head of a path hands to its tail.
const ST_RCU_EXIT: u32 = 1; // idtentry_enter_cond_rcu() returned true
const ST_SOFTIRQ: u32 = 2; // __do_softirq() started: interrupts are on
const ST_QS: u32 = 4; // the tick reported a quiescent state

/**
 * rcu_irq_enter_check_tick() (include/linux/rcupdate.h, v5.8): `if (tick_nohz_full_enabled())
 * __rcu_irq_enter_check_tick()` (kernel/rcu/tree.c: may restart the tick of a nohz_full CPU
 * RCU needs; a STAND-IN call, its rcu_urgent_qs logic is not emulated). Its
 * RCU_LOCKDEP_WARN(rcu_dynticks_curr_cpu_in_eqs()) is kept as an uncounted verdict.
 */
@inline function rcu_irq_enter_check_tick(nohz_full: u32): void {
  if (branch(nohz_full != 0)) {
    out_of_line_call();
    if ((cpu_reg_read_u32(PCPU_RCU_DYNTICKS) & RCU_DYNTICK_CTRL_CTR) == 0) usage_error(USAGE_NOT_WATCHING);
  }
}

/**
 * idtentry_enter_cond_rcu() (arch/x86/entry/common.c, v5.8). From user mode:
 * enter_from_user_mode() (lockdep_hardirqs_off(); user_exit_irqoff(); trace_hardirqs_off_finish()).
 * In the idle task (`is_idle_task(current)`, a load and a branch): lockdep_hardirqs_off();
 * rcu_irq_enter() UNCONDITIONALLY; trace_hardirqs_off_finish(); return true. Otherwise RCU
 * watches: rcu_irq_enter_check_tick(); trace_hardirqs_off() (the lockdep + rcuidle combo).
 * Broken variant FAULT_IRQ_ENTRY_WATCHING_SHORTCUT: 3eeec3858488's test `if
 * (!__rcu_is_watching())` instead of is_idle_task(): a tick nested in softirq processing
 * over idle finds RCU watching, skips rcu_irq_enter(), and rcu_is_cpu_rrupt_from_idle() sees
 * dynticks_nmi_nesting == 1 && dynticks_nesting == 0 (fixed by 0bf3924bfabd).
 */
function idtentry_enter_cond_rcu(id: u32, user: bool, idle: bool, nohz_full: u32): bool {
  if (branch(user)) {
    lockdep_hardirqs_off();
    user_exit_irqoff(nohz_full);
    trace_hardirqs_off_finish(id);
    return false;
  }
  let enter_rcu = idle;
  if (fault_injected(FAULT_IRQ_ENTRY_WATCHING_SHORTCUT)) {
    out_of_line_call(); // __rcu_is_watching() (noinstr, kernel/rcu/tree.c)
    enter_rcu = rcu_dynticks_curr_cpu_in_eqs();
  }
  if (branch(enter_rcu)) {
    lockdep_hardirqs_off();
    rcu_irq_enter();
    trace_hardirqs_off_finish(id);
    return true;
  }
  rcu_irq_enter_check_tick(nohz_full);
  trace_hardirqs_off_v5_8(id);
  return false;
}

/**
 * idtentry_exit_cond_rcu(regs, rcu_exit) (arch/x86/entry/common.c, v5.8); the interrupted
 * context always had IF set here. To user mode: prepare_exit_to_usermode() ->
 * exit_to_user_mode(): trace_hardirqs_on_prepare(); lockdep_hardirqs_on_prepare();
 * user_enter_irqoff(); lockdep_hardirqs_on(). To kernel mode with rcu_exit: the same order
 * around rcu_irq_exit(). Otherwise idtentry_exit_cond_resched(): `if (!preempt_count())` a
 * preemption point (need_resched() never holds here), then trace_hardirqs_on().
 * Broken variant FAULT_IRQ_EXIT_IGNORES_RCU_EXIT: rcu_exit ignored (no rcu_irq_exit()).
 */
function idtentry_exit_cond_rcu(id: u32, user: bool, nohz_full: u32, rcu_exit: bool): void {
  if (branch(user)) {
    trace_hardirqs_on_prepare(id);
    lockdep_hardirqs_on_prepare();
    user_enter_irqoff(nohz_full);
    lockdep_hardirqs_on();
  } else if (branch(rcu_exit && !fault_injected(FAULT_IRQ_EXIT_IGNORES_RCU_EXIT))) {
    trace_hardirqs_on_prepare(id);
    lockdep_hardirqs_on_prepare();
    rcu_irq_exit();
    lockdep_hardirqs_on();
  } else {
    branch(preempt_count() == 0); // idtentry_exit_cond_resched(): need_resched() is false
    trace_hardirqs_on_v5_8(id);
  }
}

/**
 * The head of a tick of version v5_8 (a constant at each call site): delivery (the CPU clears
 * IF), the entry code, irq_enter(), the handler rcu_sched_clock_irq(user), and irq_exit() up
 * to the softirq handlers. Returns ST_* bits for the tail.
 */
@inline function tick_head(v5_8: bool, id: u32, user: bool, idle: bool, nohz_full: u32, pending: bool): u32 {
  local_irq_disable(); // interrupt delivery clears IF
  let st: u32 = 0;
  if (v5_8) {
    if (idtentry_enter_cond_rcu(id, user, idle, nohz_full)) st |= ST_RCU_EXIT;
    irq_enter_rcu(idle);
  } else {
    if (user) {
      trace_hardirqs_off_v5_6(id); // TRACE_IRQS_OFF before enter_from_user_mode
      user_exit_irqoff(nohz_full); // CALL_enter_from_user_mode
    }
    trace_hardirqs_off_v5_6(id); // TRACE_IRQS_OFF (the second one from user mode: cheap)
    irq_enter_v5_6(idle); // entering_ack_irq()
  }
  if (rcu_sched_clock_irq(user ? 1 : 0) != 0) st |= ST_QS; // local_apic_timer_interrupt() -> update_process_times()
  if (irq_exit_head(v5_8, id, pending)) st |= ST_SOFTIRQ;
  return st;
}

/** The tail: the rest of irq_exit(), the exit code of the version, iret (sets IF). */
@inline function tick_tail(v5_8: bool, id: u32, user: bool, idle: bool, nohz_full: u32, st: u32): void {
  irq_exit_tail(v5_8, id, (st & ST_SOFTIRQ) != 0, idle, nohz_full);
  if (v5_8) {
    idtentry_exit_cond_rcu(id, user, nohz_full, (st & ST_RCU_EXIT) != 0);
  } else {
    trace_hardirqs_off_v5_6(id); // ret_from_intr: DISABLE_INTERRUPTS; TRACE_IRQS_OFF (cheap)
    if (user) user_enter_irqoff(nohz_full); // retint_user: prepare_exit_to_usermode()
    else branch(preempt_count() == 0); // retint_kernel: cmpl $0, __preempt_count (no NEED_RESCHED)
    trace_hardirqs_on_v5_6(id); // TRACE_IRQS_IRETQ
  }
  local_irq_enable(); // iret
}

/** A v5.6 tick over the context (user, idle); `nested`: softirq processing with a nested tick. Returns QS reports (0-2). */
export function tick_interrupt_v5_6(id: u32, user: bool, idle: bool, nohz_full: u32, nested: bool): u32 {
  const st = tick_head(false, id, user, idle, nohz_full, nested);
  let qs: u32 = (st & ST_QS) != 0 ? 1 : 0;
  if ((st & ST_SOFTIRQ) != 0) {
    out_of_line_call(); // the softirq handler (run_timer_softirq(): h->action(h))
    qs += tick_interrupt_v5_6(id, false, idle, nohz_full, false);
  }
  tick_tail(false, id, user, idle, nohz_full, st);
  return qs;
}

/** A v5.8 tick; as tick_interrupt_v5_6. */
export function tick_interrupt_v5_8(id: u32, user: bool, idle: bool, nohz_full: u32, nested: bool): u32 {
  const st = tick_head(true, id, user, idle, nohz_full, nested);
  let qs: u32 = (st & ST_QS) != 0 ? 1 : 0;
  if ((st & ST_SOFTIRQ) != 0) {
    out_of_line_call(); // the softirq handler
    qs += tick_interrupt_v5_8(id, false, idle, nohz_full, false);
  }
  tick_tail(true, id, user, idle, nohz_full, st);
  return qs;
}

/**
 * For rcutorture's softirq readers: a v5.8 tick over idle up to its softirq handler (TIMER_SOFTIRQ
 * pending), interrupts on, in softirq context. Returns the state for tick_idle_softirq_leave_v5_8.
 */
export function tick_idle_softirq_enter_v5_8(id: u32): u32 {
  return tick_head(true, id, false, true, 0, true);
}

export function tick_idle_softirq_leave_v5_8(id: u32, st: u32): void {
  tick_tail(true, id, false, true, 0, st);
}

/** A tick nested in softirq processing over the idle task (v5.8): from kernel mode, is_idle_task(current). */
export function tick_nested_in_idle_v5_8(id: u32): u32 {
  return in_interrupt() ? tick_interrupt_v5_8(id, false, true, 0, false) : 0;
}

// ---- commands: (tracepoint id of irq_disable/irq_enable, options) -> quiescent states reported

export function irq_from_user_v5_6(id: u32, nohz_full: u32, nested: u32): u32 {
  return tick_interrupt_v5_6(id, true, false, nohz_full, nested != 0);
}
export function irq_from_task_v5_6(id: u32, nested: u32): u32 {
  return tick_interrupt_v5_6(id, false, false, 0, nested != 0);
}
export function irq_from_idle_v5_6(id: u32, nested: u32): u32 {
  return tick_interrupt_v5_6(id, false, true, 0, nested != 0);
}
export function irq_from_user_v5_8(id: u32, nohz_full: u32, nested: u32): u32 {
  return tick_interrupt_v5_8(id, true, false, nohz_full, nested != 0);
}
export function irq_from_task_v5_8(id: u32, nested: u32): u32 {
  return tick_interrupt_v5_8(id, false, false, 0, nested != 0);
}
export function irq_from_idle_v5_8(id: u32, nested: u32): u32 {
  return tick_interrupt_v5_8(id, false, true, 0, nested != 0);
}

/** `n` ticks of v5.8 or v5.6 (a constant at each call site) over context `from` (IRQ_FROM_*; the CPU must be in it). Returns QS reports. */
@inline function irq_loop(v5_8: bool, n: u32, id: u32, from: u32, nested: u32): u32 {
  const nohz: u32 = from == IRQ_FROM_USER_NOHZ_FULL ? 1 : 0;
  let qs: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    qs += v5_8 ? tick_interrupt_v5_8(id, from_user(from), from == IRQ_FROM_IDLE, nohz, nested != 0)
      : tick_interrupt_v5_6(id, from_user(from), from == IRQ_FROM_IDLE, nohz, nested != 0);
  }
  return qs;
}

/** `n` v5.6 ticks over context `from`. */
export function irq_loop_v5_6(n: u32, id: u32, from: u32, nested: u32): u32 {
  return irq_loop(false, n, id, from, nested);
}

/** `n` v5.8 ticks over context `from`. */
export function irq_loop_v5_8(n: u32, id: u32, from: u32, nested: u32): u32 {
  return irq_loop(true, n, id, from, nested);
}
