// Hard-irq context entry/exit and softirq processing on the way out (kernel/softirq.c):
// v5.6 irq_enter()/irq_exit(), v5.8 irq_enter_rcu()/irq_exit_rcu() (the same without the RCU
// calls, which v5.8's entry code makes), and the part of __do_softirq() around the handlers.
// __do_softirq() runs the handlers with interrupts ENABLED: that is where a second interrupt
// (a tick) can nest inside the first one's handling (kernel/entry/common.c's comment).
//
// Copies read: v5.6 irq_enter()/irq_exit()/__irq_enter()/invoke_softirq()/tick_irq_exit() in
// the pre-images of tglx's "softirq: Provide irq_enter_rcu()" and "irq_exit_rcu()" patches
// (v5.8 series, kernel/softirq.c index of v5.7-rc); v5.8 irq_enter_rcu()/__irq_exit_rcu() as
// those patches add them; __do_softirq()/__local_bh_disable_ip()/__local_bh_enable() of the
// same file (CONFIG_TRACE_IRQFLAGS, x86-64: __ARCH_IRQ_EXIT_IRQS_DISABLED and
// CONFIG_HAVE_IRQ_EXIT_ON_IRQ_STACK, so irq_exit() only asserts that interrupts are off and
// invoke_softirq() calls __do_softirq() directly).
//
// Not emulated (no RCU state, no per-CPU word of ours): account_irq_enter/exit_time()
// (empty without CONFIG_IRQ_TIME_ACCOUNTING), lockdep's trace_hardirq_enter/exit()
// (current->hardirq_context++/--), the softirq pending word (no softirq is raised here: the
// caller says whether one is pending), ksoftirqd.
import { local_irq_disable, local_irq_enable, local_irq_restore, local_irq_save } from "../irqflags";
import { HARDIRQ_MASK, HARDIRQ_OFFSET, NMI_MASK, SOFTIRQ_MASK, SOFTIRQ_OFFSET, preempt_count, preempt_count_add, preempt_count_sub } from "../preempt";
import { branch, out_of_line_call } from "../primitives";
import { rcu_irq_enter, rcu_irq_exit } from "../rcu/dynticks";
import { trace_hardirqs_off_v5_6, trace_hardirqs_off_v5_8, trace_hardirqs_on_v5_6, trace_hardirqs_on_v5_8 } from "./trace_preemptirq";

/** SOFTIRQ_DISABLE_OFFSET (include/linux/preempt.h): local_bh_disable() adds 2 * SOFTIRQ_OFFSET. */
export const SOFTIRQ_DISABLE_OFFSET: u32 = 2 * SOFTIRQ_OFFSET;

/** in_interrupt() (include/linux/preempt.h): irq_count() = hardirq, softirq or NMI bits set. */
@inline export function in_interrupt(): bool {
  return (preempt_count() & (HARDIRQ_MASK | SOFTIRQ_MASK | NMI_MASK)) != 0;
}

/**
 * __local_bh_disable_ip(ip, cnt) (kernel/softirq.c, CONFIG_TRACE_IRQFLAGS: out of line):
 * raw_local_irq_save(); __preempt_count_add(cnt); trace_softirqs_off() (lockdep: a counted
 * call, its state not emulated) when this is the first softirq level; raw_local_irq_restore().
 * Its trace_preempt_off() needs CONFIG_TRACE_PREEMPT_TOGGLE, off for these paths
 * (kernel/preempt_trace.ts has the preempt tracepoints).
 */
@inline function local_bh_disable_cnt(cnt: u32): void {
  out_of_line_call();
  const flags = local_irq_save();
  preempt_count_add(cnt);
  if (branch((preempt_count() & SOFTIRQ_MASK) == (cnt & SOFTIRQ_MASK))) out_of_line_call(); // trace_softirqs_off()
  local_irq_restore(flags);
}

/** __local_bh_enable(cnt) (kernel/softirq.c, static): trace_softirqs_on() (lockdep) at the last level, __preempt_count_sub(cnt). */
@inline function local_bh_enable_cnt(cnt: u32): void {
  if (branch((preempt_count() & SOFTIRQ_MASK) == (cnt & SOFTIRQ_MASK))) out_of_line_call(); // trace_softirqs_on()
  preempt_count_sub(cnt);
}

/**
 * The tick part of irq_enter()/irq_enter_rcu(): `if (is_idle_task(current) &&
 * !in_interrupt()) { local_bh_disable(); tick_irq_enter(); _local_bh_enable(); }`.
 * tick_irq_enter() (kernel/time/tick-sched.c) is a STAND-IN: a counted call; it updates
 * jiffies and the nohz idle statistics, no RCU state.
 */
@inline function irq_enter_tick(idle: bool): void {
  if (branch(idle && !in_interrupt())) {
    local_bh_disable_cnt(SOFTIRQ_DISABLE_OFFSET);
    out_of_line_call(); // tick_irq_enter()
    out_of_line_call(); // _local_bh_enable(): __local_bh_enable(SOFTIRQ_DISABLE_OFFSET), out of line
    local_bh_enable_cnt(SOFTIRQ_DISABLE_OFFSET);
  }
}

/** irq_enter() (kernel/softirq.c, v5.6): rcu_irq_enter(); the idle tick part; __irq_enter(): preempt_count_add(HARDIRQ_OFFSET). */
export function irq_enter_v5_6(idle: bool): void {
  out_of_line_call();
  rcu_irq_enter();
  irq_enter_tick(idle);
  preempt_count_add(HARDIRQ_OFFSET); // __irq_enter()
}

/** irq_enter_rcu() (kernel/softirq.c, v5.8): irq_enter() without rcu_irq_enter() (idtentry_enter_cond_rcu() decided). */
export function irq_enter_rcu(idle: bool): void {
  out_of_line_call();
  irq_enter_tick(idle);
  preempt_count_add(HARDIRQ_OFFSET); // __irq_enter()
}

/**
 * The first half of irq_exit() (v5.6) / __irq_exit_rcu() (v5.8): preempt_count_sub(HARDIRQ_OFFSET);
 * then `if (!in_interrupt() && local_softirq_pending()) invoke_softirq()` -> __do_softirq() up
 * to its handlers: __local_bh_disable_ip(SOFTIRQ_OFFSET); local_irq_enable(), the traced one
 * of the version (trace_hardirqs_on(); sti). `pending` stands for local_softirq_pending().
 * Returns true when softirq processing started: interrupts are ON until softirq_exit().
 */
@inline export function irq_exit_head(v5_8: bool, id: u32, pending: bool): bool {
  preempt_count_sub(HARDIRQ_OFFSET);
  if (!branch(pending && !in_interrupt())) return false;
  out_of_line_call(); // __do_softirq()
  local_bh_disable_cnt(SOFTIRQ_OFFSET);
  if (v5_8) trace_hardirqs_on_v5_8(id);
  else trace_hardirqs_on_v5_6(id);
  local_irq_enable();
  return true;
}

/**
 * The rest of irq_exit()/__irq_exit_rcu(): after the softirq handlers (if any ran)
 * __do_softirq()'s local_irq_disable() (cli; trace_hardirqs_off()) and
 * __local_bh_enable(SOFTIRQ_OFFSET); then tick_irq_exit(): `if ((idle_cpu(cpu) &&
 * !need_resched()) || tick_nohz_full_cpu(cpu)) { if (!in_interrupt()) tick_nohz_irq_exit(); }`
 * (a STAND-IN call: restarts or stops the tick, no RCU state); v5.6 then rcu_irq_exit().
 */
@inline export function irq_exit_tail(v5_8: bool, id: u32, softirq_ran: bool, idle: bool, nohz_full: u32): void {
  if (softirq_ran) {
    local_irq_disable();
    if (v5_8) trace_hardirqs_off_v5_8(id);
    else trace_hardirqs_off_v5_6(id);
    local_bh_enable_cnt(SOFTIRQ_OFFSET);
  }
  if (branch((idle || nohz_full != 0) && !in_interrupt())) out_of_line_call(); // tick_nohz_irq_exit()
  if (!v5_8) rcu_irq_exit();
}
