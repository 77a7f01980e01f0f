// Expedited grace periods of tree RCU (kernel/rcu/tree_exp.h, !CONFIG_PREEMPT_RCU), on
// IPIs: synchronize_rcu_expedited() takes a snapshot of rcu_state.expedited_sequence and
// asks for it (the root's exp_seq_rq); the grace-period kthread's worker plays the
// workqueue that runs rcu_exp_sel_wait_wake(): rcu_exp_gp_seq_start(),
// sync_rcu_exp_select_cpus() (CPUs whose dynticks snapshot shows an extended quiescent
// state, or that are offline, are reported at once; every other CPU gets an IPI running
// rcu_exp_handler()), then the wait until every CPU has reported (expmask empty), then
// rcu_exp_gp_seq_end() and the wake-up of the waiters (they sleep on expedited_sequence).
// One rcu_node (the root) holds every CPU, so the funnel lock and the tree walks collapse
// into the root's expmask; no hotplug races (a CPU's online bit is read once).
// Read: kernel/rcu/tree_exp.h of a v5.4 tree (Android msm-5.4, Ruyue-Studio/android_kernel_sharp_msm-5.4):
// rcu_exp_gp_seq_snap/start/end, sync_exp_work_done, sync_rcu_exp_select_node_cpus,
// rcu_report_exp_cpu_mult, rcu_exp_handler and rcu_exp_need_qs of the !PREEMPT_RCU branch.
// Whether v5.5/v5.6 changed these functions is unverified; this is the v5.4 text.
import {
  EXP_PRIV_COMPLETED, EXP_PRIV_IPIS, EXP_PRIV_SKIPPED, EXP_PRIV_STATE, HDR_NR_CPUS, IRQ_ST_EXP_HANDLER, IRQ_ST_EXP_REPORTED,
  PCPU_IRQ_STATS, PCPU_RCU_QS, PCPU_RCU_SNAP, QS_EXP_NEED_QS, RCU_EXP_MASK, RCU_EXP_PRIV, RCU_EXP_SEQ, RCU_EXP_SEQ_NEEDED,
  RCU_EXP_SNAP, RCU_GP_WAKE,
} from "../layout";
import { per_cpu_ptr, smp_processor_id, this_cpu_ptr } from "../percpu";
import {
  READ_ONCE_u32, READ_ONCE_u64, WRITE_ONCE_u32, WRITE_ONCE_u64, atomic_cmpxchg_u64, branch, cpu_stat_inc, futex_wake, smp_mb,
  wake_up,
} from "../primitives";
import { cpu_online } from "../kernel/cpumask";
import { CSD_RCU_EXP_HANDLER, smp_call_function_single } from "../kernel/smp";
import { rcu_dynticks_in_eqs, rcu_dynticks_in_eqs_since, rcu_dynticks_snap, rcu_is_cpu_rrupt_from_idle } from "./dynticks";
import { FAULT_EXP_QS_IN_READER, FAULT_GP_SKIP_CPU, fault_active, fault_arg, fault_injected } from "./faults";
import { gp_done, gp_request } from "./gp_request";
import { rcu_seq_ended, rcu_seq_started, seq_cmp_lt } from "./rcu_seq";
import { STEP_GP_ENDED, STEP_IDLE, STEP_WAIT } from "./tree_gp";

const EXP_IDLE: u32 = 0; // no expedited grace period in progress
const EXP_WAIT: u32 = 1; // IPIs sent, waiting for expmask to empty

const P: usize = RCU_EXP_PRIV;

/**
 * The request half of synchronize_rcu_expedited(): rcu_exp_gp_seq_snap() (smp_mb(), then
 * rcu_seq_snap(&rcu_state.expedited_sequence)) and exp_funnel_lock()'s `rnp->exp_seq_rq = s`
 * at the root, then the wake-up of the worker that runs the expedited grace period
 * (queue_work(rcu_gp_wq)). Returns the cookie s.
 */
export function rcu_exp_request(): u32 {
  return gp_request(RCU_EXP_SEQ, RCU_EXP_SEQ_NEEDED, RCU_EXP_SEQ_NEEDED, false);
}

/** sync_exp_work_done(s): rcu_exp_gp_seq_done(s), then smp_mb() ("test happens before caller kfree()"). */
export function sync_exp_work_done(s: u32): u32 {
  return gp_done(RCU_EXP_SEQ, s);
}

/**
 * rcu_report_exp_cpu_mult(rnp, mask, wake): clear `mask` from the root's expmask (the kernel
 * holds rnp->lock; here a cmpxchg loop); when it empties and `wake`, smp_mb() ("EGP done
 * before wake_up()") and swake_up_one(&rcu_state.expedited_wq): the kthread's futex word.
 */
function rcu_report_exp_cpu_mult(mask: u64, wake: bool): void {
  let old = READ_ONCE_u64(RCU_EXP_MASK);
  for (;;) {
    if (branch((old & mask) == 0)) return;
    const seen = atomic_cmpxchg_u64(RCU_EXP_MASK, old, old & ~mask);
    if (seen == old) break;
    old = seen;
  }
  if ((old & ~mask) == 0 && wake) {
    smp_mb(); // EGP done before wake_up(); pairs with the kthread's read of expmask after its wake-up
    futex_wake(RCU_GP_WAKE);
  }
}

/**
 * rcu_report_exp_rdp(rdp): this CPU's expedited quiescent state. The cmpxchg is fully
 * ordered: this CPU's prior read-side critical sections come before the report (pairs with
 * rcu_exp_gp_seq_end()'s smp_mb() in the kthread after it sees expmask empty).
 */
export function rcu_report_exp_rdp(): void {
  cpu_stat_inc(PCPU_IRQ_STATS, IRQ_ST_EXP_REPORTED);
  rcu_report_exp_cpu_mult(<u64>1 << smp_processor_id(), true);
}

/**
 * rcu_exp_handler() (tree_exp.h, !PREEMPT_RCU): runs in the IPI on each CPU the expedited
 * grace period waits for. Nothing to do if the CPU already reported or already owes an
 * expedited QS (cpu_no_qs.b.exp). If the IPI interrupted the idle loop or user mode's
 * extended quiescent state (rcu_is_cpu_rrupt_from_idle(): the first interrupt level over
 * dynticks_nesting 0), report now. Otherwise the CPU may be in a read-side critical section
 * (preempt or irqs disabled, or a plain task): rcu_exp_need_qs() sets cpu_no_qs.b.exp, and the
 * CPU's next quiescent state (rcu_qs(): a context switch, a tick from user or idle) reports it.
 * rcu_urgent_qs and set_tsk_need_resched()/set_preempt_need_resched() are not emulated (no
 * scheduler: NEED_RESCHED stays clear). Broken variant FAULT_EXP_QS_IN_READER: report at once,
 * wherever the IPI landed, a read-side critical section included.
 */
export function rcu_exp_handler(): void {
  cpu_stat_inc(PCPU_IRQ_STATS, IRQ_ST_EXP_HANDLER);
  const bit: u64 = <u64>1 << smp_processor_id();
  const qs = this_cpu_ptr(PCPU_RCU_QS);
  if (branch((READ_ONCE_u64(RCU_EXP_MASK) & bit) == 0 || READ_ONCE_u32(qs + QS_EXP_NEED_QS) != 0)) return;
  if (branch(rcu_is_cpu_rrupt_from_idle()) || fault_injected(FAULT_EXP_QS_IN_READER)) {
    rcu_report_exp_rdp();
    return;
  }
  WRITE_ONCE_u32(qs + QS_EXP_NEED_QS, 1); // rcu_exp_need_qs(): __this_cpu_write(rcu_data.cpu_no_qs.b.exp, true)
}

@inline function nr_cpus(): u32 {
  return READ_ONCE_u32(HDR_NR_CPUS);
}

/** rcu_exp_gp_seq_start(): rcu_seq_start(&rcu_state.expedited_sequence): the bump, then smp_mb(). */
function rcu_exp_gp_seq_start(): void {
  WRITE_ONCE_u32(RCU_EXP_SEQ, rcu_seq_started(READ_ONCE_u32(RCU_EXP_SEQ)));
  smp_mb(); // rcu_seq_start(): the dynticks snapshots below come after the bump; pairs with EQS entry/exit's atomic_add_return()
}

/**
 * sync_rcu_exp_select_cpus() -> sync_rcu_exp_select_node_cpus() for the one leaf (the root):
 * sync_exp_reset_tree() sets expmask to the CPUs online; each CPU whose rcu_dynticks_snap()
 * shows an EQS (or that is offline) goes to mask_ofl_test, the others keep their snapshot in
 * exp_dynticks_snap; each of those is checked once more (rcu_dynticks_in_eqs_since()) and then
 * IPI'd with rcu_exp_handler; mask_ofl_test is reported without a wake-up.
 * Broken variant FAULT_GP_SKIP_CPU: CPU RCU_FAULT_ARG is reported as if idle, never IPI'd.
 */
function sync_rcu_exp_select_cpus(): void {
  const n = nr_cpus();
  let expmask: u64 = 0;
  for (let cpu: u32 = 0; cpu < n; cpu++) if (cpu_online(cpu)) expmask |= <u64>1 << cpu;
  WRITE_ONCE_u64(RCU_EXP_MASK, expmask); // sync_exp_reset_tree(): WRITE_ONCE(rnp->expmask, rnp->expmaskinit)
  const skip = fault_active(FAULT_GP_SKIP_CPU) ? fault_arg() : 0xffffffff;
  let mask_ofl_test: u64 = 0;
  for (let cpu: u32 = 0; cpu < n; cpu++) {
    const bit: u64 = <u64>1 << cpu;
    if ((expmask & bit) == 0) continue;
    const snap = rcu_dynticks_snap(cpu); // fully ordered: after the expmask store and the sequence bump
    if (branch(rcu_dynticks_in_eqs(snap) || cpu == skip)) mask_ofl_test |= bit;
    else WRITE_ONCE_u32(per_cpu_ptr(PCPU_RCU_SNAP, cpu) + RCU_EXP_SNAP, snap);
  }
  const mask_ofl_ipi = expmask & ~mask_ofl_test;
  for (let cpu: u32 = 0; cpu < n; cpu++) {
    const bit: u64 = <u64>1 << cpu;
    if ((mask_ofl_ipi & bit) == 0) continue;
    if (branch(rcu_dynticks_in_eqs_since(cpu, READ_ONCE_u32(per_cpu_ptr(PCPU_RCU_SNAP, cpu) + RCU_EXP_SNAP)))) {
      mask_ofl_test |= bit; // passed through an EQS since the snapshot: no IPI needed
      continue;
    }
    smp_call_function_single(cpu, CSD_RCU_EXP_HANDLER);
    WRITE_ONCE_u64(P + EXP_PRIV_IPIS, READ_ONCE_u64(P + EXP_PRIV_IPIS) + 1);
  }
  let skipped: u32 = 0;
  for (let cpu: u32 = 0; cpu < 64; cpu++) if ((mask_ofl_test & (<u64>1 << cpu)) != 0) skipped++;
  WRITE_ONCE_u64(P + EXP_PRIV_SKIPPED, READ_ONCE_u64(P + EXP_PRIV_SKIPPED) + skipped);
  if (mask_ofl_test != 0) rcu_report_exp_cpu_mult(mask_ofl_test, false);
}

/**
 * rcu_exp_wait_wake(s) after synchronize_sched_expedited_wait() saw expmask empty:
 * rcu_exp_gp_seq_end() (rcu_seq_end(): smp_mb(), the end value; then smp_mb(): "Ensure that
 * consecutive grace periods serialize"), then wake_up_all() of the waiters on the sequence.
 */
function rcu_exp_gp_end(): void {
  smp_mb(); // rcu_seq_end(): every CPU's report (its cmpxchg of expmask) before the sequence's end value; pairs with sync_exp_work_done()'s smp_mb()
  WRITE_ONCE_u32(RCU_EXP_SEQ, rcu_seq_ended(READ_ONCE_u32(RCU_EXP_SEQ)));
  smp_mb(); // consecutive grace periods serialize
  WRITE_ONCE_u64(P + EXP_PRIV_COMPLETED, READ_ONCE_u64(P + EXP_PRIV_COMPLETED) + 1);
  wake_up(RCU_EXP_SEQ);
}

/**
 * One step of the expedited machine in the kthread's worker (the workqueue item
 * wait_rcu_exp_gp() -> rcu_exp_sel_wait_wake()). Returns STEP_IDLE (nothing asked),
 * STEP_WAIT (IPIs out: sleep until a report wakes the kthread), or STEP_GP_ENDED.
 */
export function rcu_exp_step(): u32 {
  if (READ_ONCE_u32(P + EXP_PRIV_STATE) == EXP_IDLE) {
    if (!seq_cmp_lt(READ_ONCE_u32(RCU_EXP_SEQ), READ_ONCE_u32(RCU_EXP_SEQ_NEEDED))) return STEP_IDLE;
    rcu_exp_gp_seq_start();
    sync_rcu_exp_select_cpus();
    WRITE_ONCE_u32(P + EXP_PRIV_STATE, EXP_WAIT);
  }
  if (READ_ONCE_u64(RCU_EXP_MASK) != 0) return STEP_WAIT; // sync_rcu_preempt_exp_done(): not yet
  rcu_exp_gp_end();
  WRITE_ONCE_u32(P + EXP_PRIV_STATE, EXP_IDLE);
  return STEP_GP_ENDED;
}
