// The grace-period kthread of tree RCU (kernel/rcu/tree.c rcu_gp_kthread, v5.6), as a
// state machine that the kthread worker steps: rcu_gp_init() starts a grace period,
// rcu_gp_fqs() scans CPUs' dynticks (first pass: dyntick_save_progress_counter; later
// passes: rcu_implicit_dynticks_qs), quiescent-state reports are collected, and
// rcu_gp_cleanup() ends it. One rcu_node (the root) holds all CPUs: qsmask is a u64.
// Runs only in the kthread's instance; it never waits: the worker's JavaScript sleeps.
// FQS timing read: rcu_gp_fqs_loop() as the pre-image (tree.c index c88240a, v5.6) of the
// v5.7 patch "rcu: Make FQS more aggressive in complex overload conditions", and
// RCU_JIFFIES_TILL_FORCE_QS / RCU_JIFFIES_FQS_DIV in a v5.5-era kernel/rcu/tree.h (with
// RCU_NOCB_WAKE_BYPASS); rcu_init_geometry()'s defaults as kernel-facts.md quotes them.
import { TEV_GP_END, TEV_GP_START, TRACING_BUILD, trace_event } from "../tracepoint/trace_events";
import {
  GP_PRIV_COMPLETED, GP_PRIV_EXP, GP_PRIV_FQS, GP_PRIV_FQS_TOTAL, GP_PRIV_NEXT_FQS, GP_PRIV_START_US, GP_PRIV_LAST_FQS_US, GP_PRIV_QSMASK, GP_PRIV_STATE, HDR_NR_CPUS,
  PCPU_RCU_QS_REPORT, PCPU_RCU_SNAP, RCU_EXP_SEQ_NEEDED, RCU_GP_PRIV, RCU_GP_SEQ, RCU_GP_SEQ_NEEDED,
} from "../layout";
import { per_cpu_ptr } from "../percpu";
import {
  READ_ONCE_f64, READ_ONCE_u32, READ_ONCE_u64, WRITE_ONCE_f64, WRITE_ONCE_u32, WRITE_ONCE_u64, branch,
  smp_load_acquire, smp_mb, wake_up,
} from "../primitives";
import { rcu_dynticks_in_eqs, rcu_dynticks_in_eqs_since, rcu_dynticks_nesting_of, rcu_dynticks_snap } from "./dynticks";
import { FAULT_GP_ACCEPT_STALE, FAULT_GP_IGNORE_NESTING, FAULT_GP_SKIP_CPU, fault_active, fault_arg } from "./faults";
import { rcu_seq_ended, rcu_seq_started, seq_cmp_lt } from "./rcu_seq";
import { HZ, jiffies_to_us } from "../kernel/jiffies";

const GP_IDLE: u32 = 0; //      no grace period in progress
const GP_FQS_WAIT: u32 = 1; //  waiting for quiescent states, FQS scans at intervals

/** Step results: what the kthread worker should do next. */
export const STEP_IDLE: u32 = 0; //     nothing to do: sleep until woken
export const STEP_WAIT: u32 = 2; //     waiting on other CPUs: sleep until woken or the next FQS
export const STEP_GP_ENDED: u32 = 3; // a grace period ended (waiters were woken): step again

const P: usize = RCU_GP_PRIV;

@inline function nr_cpus(): u32 {
  return READ_ONCE_u32(HDR_NR_CPUS);
}

@inline function qsmask(): u64 {
  return READ_ONCE_u64(P + GP_PRIV_QSMASK);
}

/** rcu_report_qs_rnp(): clear CPU `cpu` from the root's qsmask (kthread-private). */
@inline function rcu_report_qs_rnp(cpu: u32): void {
  WRITE_ONCE_u64(P + GP_PRIV_QSMASK, qsmask() & ~(<u64>1 << cpu));
}

/** Is a grace period needed (rcu_state.gp_seq_needed, or an expedited request)? */
@inline function rcu_gp_needed(gp: u32): bool {
  if (seq_cmp_lt(gp, READ_ONCE_u32(RCU_GP_SEQ_NEEDED))) return true;
  const exp = READ_ONCE_u32(RCU_EXP_SEQ_NEEDED);
  return exp != 0 && seq_cmp_lt(gp, exp);
}

/** Does an expedited request cover the grace period in progress? */
@inline function rcu_exp_requested(): bool {
  const exp = READ_ONCE_u32(RCU_EXP_SEQ_NEEDED);
  return exp != 0 && seq_cmp_lt(READ_ONCE_u32(RCU_GP_SEQ), exp);
}

/**
 * rcu_gp_init() (tree.c): rcu_seq_start(&rcu_state.gp_seq) is WRITE_ONCE(gp_seq + 1)
 * followed by smp_mb(): the dynticks snapshots below are taken only after the bump and a
 * full barrier (pairs with the fully ordered atomic_add_return() of EQS entry/exit).
 */
function rcu_gp_init(): void {
  const gp = rcu_seq_started(READ_ONCE_u32(RCU_GP_SEQ));
  WRITE_ONCE_u32(RCU_GP_SEQ, gp);
  smp_mb(); // rcu_seq_start(): update-side operations after the counter increment
  const n = nr_cpus();
  let mask: u64 = n >= 64 ? <u64>-1 : (<u64>1 << n) - 1;
  if (fault_active(FAULT_GP_SKIP_CPU)) mask &= ~(<u64>1 << fault_arg()); // broken on purpose
  WRITE_ONCE_u64(P + GP_PRIV_QSMASK, mask);
  WRITE_ONCE_u32(P + GP_PRIV_EXP, rcu_exp_requested() ? 1 : 0);
  WRITE_ONCE_u32(P + GP_PRIV_FQS, 0);
  WRITE_ONCE_u32(P + GP_PRIV_STATE, GP_FQS_WAIT);
}

/** Does CPU `cpu` look like it is in (or passed through) an extended quiescent state? */
@inline function cpu_in_eqs_by_nesting(cpu: u32): bool {
  // The broken engine of FAULT_GP_IGNORE_NESTING: an irq taken from idle leaves
  // dynticks_nesting at 0, so such a CPU looks idle although RCU is watching it.
  return rcu_dynticks_nesting_of(cpu) == 0;
}

/**
 * rcu_gp_fqs(first) (tree.c): force quiescent states. First pass:
 * dyntick_save_progress_counter() snapshots each waited-for CPU's dynticks and reports
 * a CPU seen in an EQS. Later passes: rcu_implicit_dynticks_qs() reports a CPU whose
 * dynticks changed since the snapshot (it passed through an EQS).
 */
function rcu_gp_fqs(first: bool): void {
  const n = nr_cpus();
  const ignore_nesting = fault_active(FAULT_GP_IGNORE_NESTING);
  let mask = qsmask();
  for (let cpu: u32 = 0; cpu < n; cpu++) {
    if ((mask & (<u64>1 << cpu)) == 0) continue;
    let qs = false;
    if (ignore_nesting) {
      qs = cpu_in_eqs_by_nesting(cpu);
    } else if (first) {
      const snap = rcu_dynticks_snap(cpu);
      WRITE_ONCE_u32(per_cpu_ptr(PCPU_RCU_SNAP, cpu), snap);
      qs = rcu_dynticks_in_eqs(snap);
    } else {
      qs = rcu_dynticks_in_eqs_since(cpu, READ_ONCE_u32(per_cpu_ptr(PCPU_RCU_SNAP, cpu)));
    }
    if (branch(qs)) mask &= ~(<u64>1 << cpu);
  }
  WRITE_ONCE_u64(P + GP_PRIV_QSMASK, mask);
  WRITE_ONCE_u32(P + GP_PRIV_FQS, READ_ONCE_u32(P + GP_PRIV_FQS) + 1);
  WRITE_ONCE_u64(P + GP_PRIV_FQS_TOTAL, READ_ONCE_u64(P + GP_PRIV_FQS_TOTAL) + 1);
}

/**
 * The root-node side of rcu_report_qs_rdp(): accept each waited-for CPU's report made
 * for THIS grace period; a report for an older gp_seq is stale and dropped.
 */
function rcu_gp_collect_reports(): void {
  const n = nr_cpus();
  const gp = READ_ONCE_u32(RCU_GP_SEQ);
  const accept_stale = fault_active(FAULT_GP_ACCEPT_STALE);
  const mask = qsmask();
  for (let cpu: u32 = 0; cpu < n; cpu++) {
    if ((mask & (<u64>1 << cpu)) == 0) continue;
    const reported = smp_load_acquire(per_cpu_ptr(PCPU_RCU_QS_REPORT, cpu));
    if (branch(reported == gp || (accept_stale && reported != 0))) rcu_report_qs_rnp(cpu);
  }
}

/**
 * rcu_gp_cleanup() (tree.c): rcu_seq_end(&rcu_state.gp_seq) is smp_mb() then
 * WRITE_ONCE(gp_seq, end value); then the waiters are woken (they sleep on gp_seq).
 */
function rcu_gp_cleanup(): void {
  smp_mb(); // rcu_seq_end(): update-side operations before the counter increment
  WRITE_ONCE_u32(RCU_GP_SEQ, rcu_seq_ended(READ_ONCE_u32(RCU_GP_SEQ)));
  WRITE_ONCE_u32(P + GP_PRIV_STATE, GP_IDLE);
  WRITE_ONCE_u64(P + GP_PRIV_COMPLETED, READ_ONCE_u64(P + GP_PRIV_COMPLETED) + 1);
  wake_up(RCU_GP_SEQ);
}

/**
 * RCU_JIFFIES_TILL_FORCE_QS (kernel/rcu/tree.h, v5.6): 1 + (HZ > 250) + (HZ > 500), the
 * base of jiffies_till_first_fqs and jiffies_till_next_fqs; 3 at HZ=1000.
 */
export const RCU_JIFFIES_TILL_FORCE_QS: u32 = 1 + (HZ > 250 ? 1 : 0) + (HZ > 500 ? 1 : 0);
/** RCU_JIFFIES_FQS_DIV (tree.h): one more jiffy between FQS scans per 256 possible CPUs. */
export const RCU_JIFFIES_FQS_DIV: u32 = 256;
/** Between scans of an expedited grace period (the kernel's IPIs answer in microseconds). */
export const EXP_SCAN_US: f64 = 10;

/**
 * jiffies_till_first_fqs as rcu_init_geometry() (kernel/rcu/tree.c, v5.6) sets its default
 * (the module parameter is ULONG_MAX until then): RCU_JIFFIES_TILL_FORCE_QS +
 * nr_cpu_ids / RCU_JIFFIES_FQS_DIV. nr_cpu_ids is this machine's CPU count.
 */
export function jiffies_till_first_fqs(): u32 {
  return RCU_JIFFIES_TILL_FORCE_QS + nr_cpus() / RCU_JIFFIES_FQS_DIV;
}

/** jiffies_till_next_fqs: the same default as jiffies_till_first_fqs (rcu_init_geometry()). */
export function jiffies_till_next_fqs(): u32 {
  return RCU_JIFFIES_TILL_FORCE_QS + nr_cpus() / RCU_JIFFIES_FQS_DIV;
}

/**
 * One step of rcu_gp_kthread() at time `now_us`: start a grace period if one is needed,
 * collect reports, and run rcu_gp_fqs() when the FQS interval has elapsed. As
 * rcu_gp_fqs_loop() (tree.c, v5.6) does, the first scan comes jiffies_till_first_fqs after
 * rcu_gp_init() (rcu_state.jiffies_force_qs = jiffies + j), later ones
 * jiffies_till_next_fqs apart; reports end the grace period between scans (the kthread is
 * woken, rcu_gp_fqs_check_wake()). Returns STEP_*.
 */
export function rcu_gp_step(now_us: f64): u32 {
  if (READ_ONCE_u32(P + GP_PRIV_STATE) == GP_IDLE) {
    if (!rcu_gp_needed(READ_ONCE_u32(RCU_GP_SEQ))) return STEP_IDLE;
    rcu_gp_init();
    if (TRACING_BUILD) trace_event(TEV_GP_START, READ_ONCE_u32(RCU_GP_SEQ), <u32>(<u64>now_us));
    WRITE_ONCE_f64(P + GP_PRIV_START_US, now_us);
    WRITE_ONCE_f64(P + GP_PRIV_NEXT_FQS, now_us + fqs_interval(jiffies_till_first_fqs()));
  }
  // An expedited request for this grace period makes it expedited from now on.
  if (READ_ONCE_u32(P + GP_PRIV_EXP) == 0 && rcu_exp_requested()) {
    WRITE_ONCE_u32(P + GP_PRIV_EXP, 1);
    WRITE_ONCE_f64(P + GP_PRIV_NEXT_FQS, now_us);
  }
  rcu_gp_collect_reports();
  if (qsmask() != 0 && now_us >= READ_ONCE_f64(P + GP_PRIV_NEXT_FQS)) {
    rcu_gp_fqs(READ_ONCE_u32(P + GP_PRIV_FQS) == 0);
    WRITE_ONCE_f64(P + GP_PRIV_LAST_FQS_US, now_us);
    rcu_gp_collect_reports();
    WRITE_ONCE_f64(P + GP_PRIV_NEXT_FQS, now_us + fqs_interval(jiffies_till_next_fqs()));
  }
  if (qsmask() == 0) {
    rcu_gp_cleanup();
    if (TRACING_BUILD) trace_event(TEV_GP_END, READ_ONCE_u32(RCU_GP_SEQ), <u32>(<u64>now_us));
    return STEP_GP_ENDED;
  }
  return STEP_WAIT;
}

/** The wait before the next FQS scan: `jiffies`, or EXP_SCAN_US while expedited. */
@inline function fqs_interval(jiffies: u32): f64 {
  return READ_ONCE_u32(P + GP_PRIV_EXP) != 0 ? EXP_SCAN_US : jiffies_to_us(jiffies);
}

/** The time (us) of the next FQS pass of the grace period in progress. */
export function rcu_gp_next_fqs_us(): f64 {
  return READ_ONCE_f64(P + GP_PRIV_NEXT_FQS);
}

/** The time (us) the last grace period started (rcu_gp_init()): emulator bookkeeping for tests. */
export function rcu_gp_start_us(): f64 {
  return READ_ONCE_f64(P + GP_PRIV_START_US);
}
