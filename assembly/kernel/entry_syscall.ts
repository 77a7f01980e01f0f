// A syscall from user mode and the return to it, on x86-64 (arch/x86/entry/entry_64.S
// entry_SYSCALL_64 and arch/x86/entry/common.c do_syscall_64), in the v5.6 order and in
// the v5.8 `noinstr` order, around a syscall that does nothing (an invalid syscall number:
// the body of tglx's measurement in the March 2020 thread).
//
// `nohz_full` = 1: user mode is an extended quiescent state (CONFIG_NO_HZ_FULL, context
// tracking enabled on this CPU): user_exit_irqoff()/user_enter_irqoff() reach
// __context_tracking_exit/enter() and rcu_user_exit()/rcu_user_enter() (rcu/dynticks.ts
// stands for both). 0: context tracking is off on this CPU and they do nothing but
// test their static key; RCU watches user mode.
//
// The caller is in user mode: interrupts on, tracing_irq_cpu 0 (user mode is traced as
// interrupts on) and, with nohz_full, after rcu_user_enter(). Each entry/exit pair leaves
// the preempt count, the interrupt flag, tracing_irq_cpu and the dynticks/nesting counters
// as it found them (dynticks itself advances by a multiple of 4 with nohz_full).
//
// Copies read: v5.6 entry_64.S (TRACE_IRQS_OFF before `call do_syscall_64`,
// TRACE_IRQS_IRETQ after it) in the pre-image of tglx's "x86/entry: Move irq tracing to C
// code" (v5.8 series); v5.6 enter_from_user_mode() (CT_WARN_ON; user_exit_irqoff()) in the
// pre-image of his v5.8-series common.c patch that split out exit_to_user_mode(); v5.8 common.c
// (enter_from_user_mode, exit_to_user_mode, __syscall_return_slowpath, do_syscall_64) in a
// v5.8 arch/x86/entry/common.c of the public code index.
import { local_irq_disable, local_irq_enable } from "../irqflags";
import { irq_poll } from "./irq_delivery";
import { branch } from "../primitives";
import { rcu_user_enter, rcu_user_exit } from "../rcu/dynticks";
import { FAULT_ENTRY_PLAIN_TRACEPOINT, fault_injected } from "../rcu/faults";
import {
  lockdep_hardirqs_off, lockdep_hardirqs_on, lockdep_hardirqs_on_prepare, trace_hardirqs_off_finish, trace_hardirqs_off_v5_6,
  trace_hardirqs_off_v5_8, trace_hardirqs_on_prepare, trace_hardirqs_on_v5_6, trace_hardirqs_on_v5_8,
} from "./trace_preemptirq";

/** user_exit_irqoff() (include/linux/context_tracking.h): `if (context_tracking_enabled())` (a static key). */
@inline export function user_exit_irqoff(nohz_full: u32): void {
  if (branch(nohz_full != 0)) rcu_user_exit();
}

/** user_enter_irqoff() (include/linux/context_tracking.h). */
@inline export function user_enter_irqoff(nohz_full: u32): void {
  if (branch(nohz_full != 0)) rcu_user_enter();
}

/**
 * v5.6 syscall entry: SYSCALL clears IF (MSR_SYSCALL_MASK); entry_SYSCALL_64's
 * TRACE_IRQS_OFF calls trace_hardirqs_off() with RCU possibly not watching, hence its
 * rcuidle tracepoint; then do_syscall_64(): enter_from_user_mode() -> user_exit_irqoff();
 * local_irq_enable() = trace_hardirqs_on(); sti. Broken variant FAULT_ENTRY_PLAIN_TRACEPOINT:
 * TRACE_IRQS_OFF runs the plain tracepoint (trace_hardirqs_off_finish's) before user_exit_irqoff().
 */
export function syscall_enter_v5_6(id: u32, nohz_full: u32): void {
  local_irq_disable(); // SYSCALL
  if (fault_injected(FAULT_ENTRY_PLAIN_TRACEPOINT)) {
    trace_hardirqs_off_finish(id);
    lockdep_hardirqs_off();
  } else {
    trace_hardirqs_off_v5_6(id); // TRACE_IRQS_OFF
  }
  user_exit_irqoff(nohz_full); // enter_from_user_mode()
  trace_hardirqs_on_v5_6(id); // local_irq_enable()
  local_irq_enable();
}

/**
 * v5.6 syscall exit: syscall_return_slowpath(): local_irq_disable() = cli;
 * trace_hardirqs_off(); prepare_exit_to_usermode() -> user_enter_irqoff(); then
 * entry_SYSCALL_64's TRACE_IRQS_IRETQ = trace_hardirqs_on() with RCU possibly not
 * watching (rcuidle); SYSRET restores IF.
 */
export function syscall_exit_v5_6(id: u32, nohz_full: u32): void {
  local_irq_disable();
  trace_hardirqs_off_v5_6(id);
  user_enter_irqoff(nohz_full); // prepare_exit_to_usermode()
  trace_hardirqs_on_v5_6(id); // TRACE_IRQS_IRETQ
  local_irq_enable(); // SYSRET
}

/**
 * v5.8 syscall entry: do_syscall_64() -> enter_from_user_mode(): lockdep_hardirqs_off();
 * user_exit_irqoff(); instrumentation_begin(); trace_hardirqs_off_finish() (the plain
 * tracepoint, RCU watching now); then local_irq_enable() = trace_hardirqs_on(); sti.
 */
export function syscall_enter_v5_8(id: u32, nohz_full: u32): void {
  local_irq_disable(); // SYSCALL
  lockdep_hardirqs_off();
  user_exit_irqoff(nohz_full);
  trace_hardirqs_off_finish(id);
  trace_hardirqs_on_v5_8(id); // local_irq_enable()
  local_irq_enable();
}

/**
 * v5.8 syscall exit: __syscall_return_slowpath(): local_irq_disable() = cli;
 * trace_hardirqs_off(); then exit_to_user_mode(): trace_hardirqs_on_prepare() (plain, RCU
 * still watching); lockdep_hardirqs_on_prepare(); user_enter_irqoff();
 * mds_user_clear_cpu_buffers() (not emulated); lockdep_hardirqs_on(); SYSRET sets IF.
 */
export function syscall_exit_v5_8(id: u32, nohz_full: u32): void {
  local_irq_disable();
  trace_hardirqs_off_v5_8(id);
  trace_hardirqs_on_prepare(id);
  lockdep_hardirqs_on_prepare();
  user_enter_irqoff(nohz_full);
  lockdep_hardirqs_on();
  local_irq_enable(); // SYSRET
}

/**
 * `n` invalid syscalls from user mode in the order of v5.8 or v5.6: `v5_8` is a constant at
 * each call site, so each exported loop is one measured loop with no dispatch.
 */
@inline function syscall_loop(v5_8: bool, n: u32, id: u32, nohz_full: u32): u32 {
  for (let i: u32 = 0; i < n; i++) {
    if (v5_8) {
      syscall_enter_v5_8(id, nohz_full);
      syscall_exit_v5_8(id, nohz_full);
    } else {
      syscall_enter_v5_6(id, nohz_full);
      syscall_exit_v5_6(id, nohz_full);
    }
    irq_poll(); // back in user mode, interrupts on: an interrupt from user mode can arrive here
  }
  return n;
}

/** `n` invalid syscalls from user mode in the v5.6 order. */
export function syscall_loop_v5_6(n: u32, id: u32, nohz_full: u32): u32 {
  return syscall_loop(false, n, id, nohz_full);
}

/** `n` invalid syscalls from user mode in the v5.8 order. */
export function syscall_loop_v5_8(n: u32, id: u32, nohz_full: u32): u32 {
  return syscall_loop(true, n, id, nohz_full);
}
