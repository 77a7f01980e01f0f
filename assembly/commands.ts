// Kernel operations exported as commands a CPU can be asked to run (one call each), for
// tests, scenarios and the host API. Each is the kernel function of the same name or the
// smallest kernel sequence around it; the hot loops live in their own modules.
import { PCPU_USAGE } from "./layout";
import { this_cpu_ptr } from "./percpu";
import { cpu_reg_read_u32 } from "./primitives";
import { irq_enter, irq_exit } from "./kernel/hardirq";
import { interrupted_user_mode } from "./kernel/context_tracking";
import { FAULT_TICK_TRUSTS_USER, fault_active } from "./rcu/faults";

import { rcu_read_lock_sched_notrace, rcu_read_unlock_sched_notrace } from "./rcu/rcupdate";
import { rcu_sched_clock_irq } from "./rcu/tree_qs";
import {
  __srcu_read_unlock, __srcu_read_unlock_fast, init_srcu_struct, srcu_read_unlock_fast_checked, srcu_lock_acquire, srcu_lock_release, srcu_read_lock_checked,
  srcu_read_lock_fast_checked, srcu_read_lock_idx, srcu_read_lock_inc,
} from "./rcu/srcutree";

export {
  rcu_idle_enter, rcu_idle_exit, rcu_user_enter, rcu_user_exit, rcu_irq_enter, rcu_irq_exit,
  rcu_irq_enter_irqson, rcu_irq_exit_irqson, rcu_nmi_enter, rcu_nmi_exit, rcu_is_watching,
  rcu_is_cpu_rrupt_from_idle, rcu_dynticks_snap,
} from "./rcu/dynticks";
// rcu_qs() is not a command: it has no check of its own (tree_qs.ts); a scheduling point
// is rcu_note_context_switch, a tick is scheduler_tick.
export { rcu_note_context_switch, rcu_report_qs_for } from "./rcu/tree_qs";
export { start_poll_synchronize_rcu, poll_state_synchronize_rcu, call_rcu, rcu_might_sleep } from "./rcu/update";
export { srcu_sync_lockdep_check } from "./rcu/srcutree";
export {
  start_poll_synchronize_srcu, poll_state_synchronize_srcu, call_srcu, srcu_might_be_idle, srcu_flavor, srcu_gp_seq,
} from "./rcu/srcutree";
export { gp_domain_valid, gp_seq_word, gp_start_poll, gp_poll_state, gp_call_rcu } from "./rcu/flavor";
export { gp_kthread_step } from "./rcu/kthread";
// Timing of the grace-period machines (rcu_init_geometry()'s FQS defaults, srcu_get_delay()).
export { jiffies_till_first_fqs, jiffies_till_next_fqs, rcu_gp_start_us, rcu_gp_next_fqs_us } from "./rcu/tree_gp";
export { srcu_get_delay, srcu_next_step_us } from "./rcu/srcutree";
export { cblist_pending } from "./rcu/cblist";
export { irq_enter, irq_exit, nmi_enter, nmi_exit } from "./kernel/hardirq";
export { idle_loop_possible, idle_loop_enter, idle_loop_exit } from "./kernel/idle";
export { local_irq_disable, local_irq_enable } from "./irqflags";

/** rcu_read_lock_sched() as a command (a reader that stays in its section across commands). */
export function rcu_read_lock_sched(): void {
  rcu_read_lock_sched_notrace();
}

export function rcu_read_unlock_sched(): void {
  rcu_read_unlock_sched_notrace();
}

/**
 * srcu_read_lock(&ssp) (include/linux/srcu.h): __srcu_read_lock(), then
 * rcu_lock_acquire(&ssp->dep_map). Returns the index to pass to srcu_read_unlock.
 */
export function srcu_read_lock(ssp: u32): u32 {
  const idx = srcu_read_lock_checked(ssp);
  srcu_lock_acquire(ssp);
  return idx;
}

/** srcu_read_unlock(&ssp, idx): rcu_lock_release(&ssp->dep_map), then __srcu_read_unlock(). */
export function srcu_read_unlock(ssp: u32, idx: u32): void {
  srcu_lock_release(ssp);
  __srcu_read_unlock(ssp, idx);
}

/** srcu_read_lock_fast(&ssp): returns the srcu_ctrp value to pass to the unlock (lockdep as srcu_read_lock()). */
export function srcu_read_lock_fast(ssp: u32): u32 {
  const scp = srcu_read_lock_fast_checked(ssp);
  srcu_lock_acquire(ssp);
  return scp;
}

export function srcu_read_unlock_fast(ssp: u32, scp: u32): void {
  srcu_lock_release(ssp);
  srcu_read_unlock_fast_checked(ssp, scp);
}

/** init_srcu_struct() from any context (the host's instance does it); `flavor` is SRCU_FLAVOR_*. */
export function srcu_init(ssp: u32, flavor: u32): void {
  init_srcu_struct(ssp, flavor);
}

/**
 * A scheduling-clock interrupt taken now: irq_enter(); tick_sched_handle() ->
 * update_process_times(user_mode(regs)) -> rcu_sched_clock_irq(user); irq_exit()
 * (kernel/time/tick-sched.c, kernel/time/timer.c, v5.6). Returns 1 if it reported a QS.
 *
 * `user` is derived as the kernel derives it, from the interrupted context: the CPU was
 * in user mode when the interrupt arrived (after rcu_user_enter, not inside a handler
 * or a preempt-disabled region; kernel/context_tracking.ts), sampled before irq_enter().
 * The argument `claimed_user` is IGNORED, not rejected: it is kept only so that the
 * command's signature stays `scheduler_tick(user)`; a caller can no longer make a tick
 * in kernel mode count as one from user mode. Broken variant FAULT_TICK_TRUSTS_USER
 * uses the argument instead (the old behaviour).
 */
export function scheduler_tick(claimed_user: u32): u32 {
  let user: u32 = interrupted_user_mode() ? 1 : 0; // user_mode(regs), before irq_enter()
  if (fault_active(FAULT_TICK_TRUSTS_USER)) user = claimed_user;
  irq_enter();
  const r = rcu_sched_clock_irq(user);
  irq_exit();
  return r;
}

/** The usage-error counter of kind `kind` on this CPU. */
export function usage_count(kind: u32): u32 {
  return cpu_reg_read_u32(PCPU_USAGE + (kind << 2));
}



export {
  torture_writer_init, torture_writer_publish, torture_writer_after_gp, torture_reader_batch,
  torture_reader_drain, torture_reader_config,
} from "./torture/rcutorture";
export { torture_random_init, torture_spin } from "./torture/random";
export { migrate_parked } from "./torture/migrate";

export {
  trace_loop_plain, trace_loop_rcuidle_irq, trace_loop_rcuidle_srcu, trace_loop_rcuidle_srcu_irq,
  trace_loop_rcuidle_watching, trace_loop_noinstr, trace_loop_noinstr_lockdep, trace_loop_srcu_fast,
} from "./tracepoint/loops";
export { tracepoint_srcu_init } from "./tracepoint/strategies";
export {
  tracepoint_probe_register, tracepoint_probe_unregister, tracepoint_set_release, tracepoint_nr_probes,
  tracepoint_probe_func, tracepoint_probe_data, tracepoint_probe_prio, tracepoint_warns, tracepoint_key,
} from "./tracepoint/tracepoint";
export {
  tp_set_functions, tp_arrays_in_use, cb_srcu_free_old_probes, cb_rcu_free_old_probes, cb_rcu_then_srcu_free_old_probes,
} from "./tracepoint/probes_arena";
export { set_cpu_online } from "./kernel/cpumask";
// migrate_disable()/migrate_enable() as commands: a task that stays pinned across commands.
export { migrate_disable, migrate_enable } from "./kernel/sched_core";
export { probe_empty, probe_count, probe_spin, probe_host, probe_uaf, probe_record, probe_tick } from "./tracepoint/probes";
export { tp_set_probe_functions } from "./tracepoint/probe_call";
export { probe_rcu, probe_rcu_replace, cb_probe_rcu_free } from "./tracepoint/probe_rcu";
export {
  tp_torture_plain, tp_torture_rcuidle_irq, tp_torture_rcuidle_srcu, tp_torture_rcuidle_srcu_irq,
  tp_torture_rcuidle_watching, tp_torture_noinstr, tp_torture_noinstr_lockdep, tp_torture_srcu_fast,
} from "./tracepoint/torture";

/**
 * The two halves of __srcu_read_lock() as separate commands, so that a test or a scenario
 * can stall a reader task between READ_ONCE(srcu_idx) and its increment for as long as it
 * likes (a task preempted there in the kernel).
 */
export function srcu_read_lock_stage1(ssp: u32): u32 {
  return srcu_read_lock_idx(ssp);
}

export function srcu_read_lock_stage2(ssp: u32, idx: u32): u32 {
  srcu_read_lock_inc(ssp, idx);
  srcu_lock_acquire(ssp); // srcu_read_lock()'s rcu_lock_acquire() follows __srcu_read_lock()
  return idx;
}

// Kernel paths: trace_hardirqs_off/on of v5.6 and v5.8 on the tracepoint id the
// caller passes, and syscall entry/exit from user mode in the v5.6 and v5.8 orders.
export {
  trace_hardirqs_off_v5_6, trace_hardirqs_on_v5_6, trace_hardirqs_off_v5_8, trace_hardirqs_on_v5_8, trace_hardirqs_off_finish,
  trace_hardirqs_on_prepare, tracing_irq_cpu,
} from "./kernel/trace_preemptirq";
export {
  syscall_enter_v5_6, syscall_exit_v5_6, syscall_enter_v5_8, syscall_exit_v5_8, syscall_loop_v5_6, syscall_loop_v5_8,
} from "./kernel/entry_syscall";
// Interrupt paths: a tick from user mode, a task or idle in the v5.6 and v5.8
// entry code, with softirq processing and a nested tick as an option (kernel/entry_irq.ts).
export {
  irq_from_user_v5_6, irq_from_task_v5_6, irq_from_idle_v5_6, irq_from_user_v5_8, irq_from_task_v5_8, irq_from_idle_v5_8,
  irq_loop_v5_6, irq_loop_v5_8,
} from "./kernel/entry_irq";
export { idle_loop_v5_6, idle_loop_n_v5_6 } from "./kernel/idle_loop";
export { nmi_v5_6, nmi_loop_v5_6 } from "./kernel/entry_nmi";
export {
  local_irq_disable_traced_v5_6, local_irq_enable_traced_v5_6, local_irq_disable_traced_v5_8, local_irq_enable_traced_v5_8,
  preempt_disable_traced, preempt_enable_traced,
} from "./kernel/preemptirq_toggle";

// The path mix of scenarios: one batch of `n` paths drawn from the mix.
export { path_mix } from "./kernel/path_mix";

// Interrupts delivered to a running CPU: the schedule, the poll points
// between commands, the host's IPI, and the emulated timer of the tick schedule (stepped by
// the kthread's worker, not a command: bindings/worker/commands.ts NOT_COMMANDS).
export {
  irq_schedule_set, irq_schedule_mode, irq_poll_loop, irq_poll_between_commands, irq_send_ipi, do_IRQ,
} from "./kernel/irq_delivery";
export { irq_timer_step } from "./kernel/clockevents";
export { gp_wait_domain } from "./rcu/flavor";
