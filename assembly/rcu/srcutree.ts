// Sleepable RCU (kernel/rcu/srcutree.c, v5.6) and SRCU-fast (v6.15).
//
// Read side, SRCU (v5.6):     idx = READ_ONCE(srcu_idx) & 1; this_cpu_inc(lock_count[idx]);
//                             smp_mb() B ... smp_mb() C; this_cpu_inc(unlock_count[idx])
// Read side, SRCU-fast:       scp = READ_ONCE(srcu_ctrp); this_cpu_inc(scp->srcu_locks) Y;
//                             barrier() ... barrier(); this_cpu_inc(scp->srcu_unlocks) Z.
//                             Legal only where RCU is watching: the update side's
//                             synchronize_rcu() (X) stands in for the readers' barriers.
// Update side: srcu_readers_active_idx_check() sums unlocks, then smp_mb() A (SRCU-fast:
// a full RCU grace period X), then sums locks; srcu_flip() is smp_mb() E, the index
// update, smp_mb() D; srcu_advance_state() runs SCAN1 (wait for the inactive index,
// flip) and SCAN2 (wait for the index that was active). The per-CPU counters of both
// flavors are srcu_ctrs[idx] = {locks, unlocks} (v6.15's layout; v5.6's lock_count[idx]
// and unlock_count[idx] are the same numbers).
import {
  CACHELINE, HDR_NR_CPUS, PCPU_SRCU, PCPU_SRCU_HELD, RCU_GP_WAKE, SRCU_BASE, SRCU_CTRP, SRCU_SDA, SRCU_CTR_LOCKS, SRCU_CTR_STRIDE, SRCU_CTR_UNLOCKS,
  SRCU_GP_SEQ, SRCU_GP_SEQ_NEEDED, SRCU_GP_SEQ_NEEDED_EXP, SRCU_IDX, SRCU_PRIV_COMPLETED, SRCU_PRIV_FLAVOR,
  SRCU_PRIV_LAST_GP_END, SRCU_PRIV_NEXT_US, SRCU_PRIV_RCU_SEQ, SRCU_PRIV_SCANS, SRCU_PRIV_SUBSTATE, SRCU_PRIV_UNLOCKS, SRCU_STRIDE,
  SRCU_PRIV_FIRST_SCAN_US, SRCU_PRIV_GP_START_US, SRCU_PRIV_LAST_TRY_CHECKS, SRCU_PRIV_LAST_TRY_US, SRCU_PRIV_TRY_CHECKS, SRCU_PRIV_TRYCOUNT,
} from "../layout";
import { jiffies_to_us } from "../kernel/jiffies";
import { per_cpu_ptr, this_cpu_ptr } from "../percpu";
import { in_nmi } from "../preempt";
import {
  READ_ONCE_f64, READ_ONCE_u32, READ_ONCE_u64, WRITE_ONCE_f64, WRITE_ONCE_u32, WRITE_ONCE_u64, barrier, branch,
  out_of_line_call, smp_mb, this_cpu_inc_u64_at, futex_wake, wake_up, cpu_reg_read_u32, cpu_reg_write_u32, STEPPING_BUILD,
} from "../primitives";
import { rcu_dynticks_curr_cpu_in_eqs } from "./dynticks";
import { FAULT_SRCU_NO_BARRIER_B, FAULT_SRCU_NO_FLIP, FAULT_SRCU_NO_SCAN1, FAULT_SRCU_SYNC_UNCHECKED, fault_active, fault_injected } from "./faults";
import { rcu_seq_done, rcu_seq_ended, rcu_seq_snap, rcu_seq_started, rcu_seq_state, seq_cmp_lt } from "./rcu_seq";
import { poll_state_synchronize_rcu, start_poll_synchronize_rcu } from "./update";
import { gp_call, gp_done, gp_request, seq_advance_to } from "./gp_request";
import { STEP_GP_ENDED, STEP_IDLE, STEP_WAIT } from "./tree_gp";
import { cb_ring_srcu, cblist_pending } from "./cblist";
import { USAGE_SRCU_FAST_NOT_WATCHING, USAGE_SRCU_IN_NMI, USAGE_SYNC_IN_SRCU_READER, usage_error } from "./usage";

export const SRCU_FLAVOR_NONE: u32 = 0;
export const SRCU_FLAVOR_NORMAL: u32 = 1;
export const SRCU_FLAVOR_FAST: u32 = 2;

/** srcu_gp_seq states (srcutree.c). */
export const SRCU_STATE_IDLE: u32 = 0;
export const SRCU_STATE_SCAN1: u32 = 1;
export const SRCU_STATE_SCAN2: u32 = 2;

/** DEFAULT_SRCU_EXP_HOLDOFF (srcutree.c): 25 us between GPs before auto-expediting. */
export const SRCU_EXP_HOLDOFF_US: f64 = 25;

/** The srcu_struct with index `ssp` (0 is tracepoint_srcu). */
@inline export function srcu_struct(ssp: u32): usize {
  return <usize>SRCU_BASE + <usize>ssp * <usize>SRCU_STRIDE;
}

/** This CPU's srcu_ctrs[0] of srcu_struct `ssp` (one cache line per srcu_struct). */
@inline function this_cpu_srcu_ctrs(ssp: u32): usize {
  return this_cpu_ptr(PCPU_SRCU) + <usize>ssp * <usize>CACHELINE;
}

/**
 * this_cpu_ptr(ssp->sda) as v5.6's this_cpu_inc(ssp->sda->srcu_lock_count[idx]) computes
 * it: ssp->sda is a pointer in the srcu_struct, loaded (one counted load) before the
 * %gs-relative increment. SRCU-fast needs no such load: its scp is the per-CPU pointer.
 */
@inline function this_cpu_srcu_sda(ssp: u32): usize {
  return this_cpu_ptr(PCPU_SRCU) + <usize>READ_ONCE_u32(srcu_struct(ssp) + SRCU_SDA);
}

/** init_srcu_struct() (srcutree.c) for the given flavor; the per-CPU counters are zero. */
export function init_srcu_struct(ssp: u32, flavor: u32): void {
  const s = srcu_struct(ssp);
  WRITE_ONCE_u32(s + SRCU_IDX, 0);
  WRITE_ONCE_u32(s + SRCU_CTRP, 0);
  WRITE_ONCE_u32(s + SRCU_SDA, ssp * CACHELINE); // ssp->sda = alloc_percpu(struct srcu_data)
  WRITE_ONCE_u32(s + SRCU_GP_SEQ, 0);
  WRITE_ONCE_u32(s + SRCU_GP_SEQ_NEEDED, 0);
  WRITE_ONCE_u32(s + SRCU_GP_SEQ_NEEDED_EXP, 0);
  WRITE_ONCE_u32(s + SRCU_PRIV_SUBSTATE, 0);
  WRITE_ONCE_f64(s + SRCU_PRIV_LAST_GP_END, -1e18);
  WRITE_ONCE_f64(s + SRCU_PRIV_NEXT_US, 0);
  WRITE_ONCE_u32(s + SRCU_PRIV_TRYCOUNT, 0);
  WRITE_ONCE_u32(s + SRCU_PRIV_LAST_TRY_CHECKS, 0);
  WRITE_ONCE_f64(s + SRCU_PRIV_GP_START_US, 0);
  WRITE_ONCE_f64(s + SRCU_PRIV_LAST_TRY_US, 0);
  WRITE_ONCE_u32(s + SRCU_PRIV_TRY_CHECKS, 0);
  WRITE_ONCE_f64(s + SRCU_PRIV_FIRST_SCAN_US, 0);
  smp_mb();
  WRITE_ONCE_u32(s + SRCU_PRIV_FLAVOR, flavor);
}

export function srcu_flavor(ssp: u32): u32 {
  return READ_ONCE_u32(srcu_struct(ssp) + SRCU_PRIV_FLAVOR);
}

// ---- read side (SRCU, v5.6) ------------------------------------------------------------

/** First half of __srcu_read_lock(): READ_ONCE(ssp->srcu_idx) & 0x1. */
@inline export function srcu_read_lock_idx(ssp: u32): u32 {
  return READ_ONCE_u32(srcu_struct(ssp) + SRCU_IDX) & 1;
}

/** Second half of __srcu_read_lock(): this_cpu_inc(ssp->sda->srcu_lock_count[idx]); smp_mb() B. */
@inline export function srcu_read_lock_inc(ssp: u32, idx: u32): void {
  this_cpu_inc_u64_at(this_cpu_srcu_sda(ssp) + idx * SRCU_CTR_STRIDE + SRCU_CTR_LOCKS);
  // Broken variant FAULT_SRCU_NO_BARRIER_B exists in the stepping build only (STEPPING_BUILD
  // is a compile-time false elsewhere, so the measured builds always execute B).
  if (STEPPING_BUILD && fault_injected(FAULT_SRCU_NO_BARRIER_B)) return;
  smp_mb(); // B: avoid leaking the critical section; pairs with A, D and E
}

/**
 * __srcu_read_lock() (srcutree.c): an out-of-line call. A stalled reader (rcutorture's
 * preemption between the two halves) calls srcu_read_lock_idx and srcu_read_lock_inc apart.
 */
@inline export function __srcu_read_lock(ssp: u32): u32 {
  out_of_line_call();
  const idx = srcu_read_lock_idx(ssp);
  srcu_read_lock_inc(ssp, idx);
  return idx;
}

/** __srcu_read_unlock() (srcutree.c, v5.6): smp_mb() C; this_cpu_inc(ssp->sda->srcu_unlock_count[idx]). */
@inline export function __srcu_read_unlock(ssp: u32, idx: u32): void {
  out_of_line_call();
  smp_mb(); // C: avoid leaking the critical section; pairs with A and D
  this_cpu_inc_u64_at(this_cpu_srcu_sda(ssp) + idx * SRCU_CTR_STRIDE + SRCU_CTR_UNLOCKS);
}

/**
 * srcu_read_lock() with the checks of a debug kernel: from NMI context it is a usage error
 * (the tracepoint's WARN_ON_ONCE(in_nmi()), srcu_check_nmi_safety()), counted; the lock
 * proceeds as the kernel's would.
 */
export function srcu_read_lock_checked(ssp: u32): u32 {
  if (branch(in_nmi())) usage_error(USAGE_SRCU_IN_NMI);
  return __srcu_read_lock(ssp);
}

// ---- lockdep's view of SRCU readers (CONFIG_DEBUG_LOCK_ALLOC) -----------------------------
// srcu_read_lock() is __srcu_read_lock() then rcu_lock_acquire(&ssp->dep_map), and
// srcu_read_unlock() rcu_lock_release() then __srcu_read_unlock() (include/linux/srcu.h,
// v5.6): lockdep records in the task which srcu_structs it holds. srcu_read_lock() does not
// disable preemption, so might_sleep() cannot see such a reader; __synchronize_srcu() asks
// lockdep instead. The emulated CPU runs one task: a per-CPU count per srcu_struct, kept by
// the checked read-lock commands (assembly/commands.ts), not by the measured hot paths.
// It is the emulator's bookkeeping, as lockdep's is debug state: not counted as ops. A
// section locked on one CPU and unlocked on another (a migrated task) is left counted on
// the first: the count never goes below zero.

@inline function srcu_held_field(ssp: u32): u32 {
  return PCPU_SRCU_HELD + (ssp << 2);
}

/** rcu_lock_acquire(&ssp->dep_map): this CPU's task now holds one more reader of `ssp`. */
export function srcu_lock_acquire(ssp: u32): void {
  cpu_reg_write_u32(srcu_held_field(ssp), cpu_reg_read_u32(srcu_held_field(ssp)) + 1);
}

/** rcu_lock_release(&ssp->dep_map). */
export function srcu_lock_release(ssp: u32): void {
  const n = cpu_reg_read_u32(srcu_held_field(ssp));
  if (n != 0) cpu_reg_write_u32(srcu_held_field(ssp), n - 1);
}

/**
 * __synchronize_srcu()'s RCU_LOCKDEP_WARN(lock_is_held(&ssp->dep_map) || ...) (srcutree.c,
 * v5.6): synchronize_srcu() inside this task's own reader of `ssp` would wait for itself.
 * Returns how many readers of `ssp` this CPU's task holds (0: legal) and counts the usage
 * error when it holds one. Broken variant FAULT_SRCU_SYNC_UNCHECKED skips the check.
 */
export function srcu_sync_lockdep_check(ssp: u32): u32 {
  if (fault_active(FAULT_SRCU_SYNC_UNCHECKED)) return 0;
  const held = cpu_reg_read_u32(srcu_held_field(ssp));
  if (held != 0) usage_error(USAGE_SYNC_IN_SRCU_READER);
  return held;
}

// ---- read side (SRCU-fast, v6.15) --------------------------------------------------------

/**
 * srcu_read_lock_fast() with RCU_LOCKDEP_WARN(!rcu_is_watching()) of a CONFIG_PROVE_RCU
 * kernel: where RCU is not watching it is a usage error, counted, and the increment still
 * happens as in the kernel.
 */
export function srcu_read_lock_fast_checked(ssp: u32): u32 {
  if (branch(rcu_dynticks_curr_cpu_in_eqs())) usage_error(USAGE_SRCU_FAST_NOT_WATCHING);
  return __srcu_read_lock_fast(ssp);
}

/**
 * srcu_read_unlock_fast() with v6.15's RCU_LOCKDEP_WARN(!rcu_is_watching(), "RCU must be
 * watching srcu_read_unlock_fast().") of a CONFIG_PROVE_RCU kernel: counted as on the lock
 * side, and the decrement still happens.
 */
export function srcu_read_unlock_fast_checked(ssp: u32, scp: u32): void {
  if (branch(rcu_dynticks_curr_cpu_in_eqs())) usage_error(USAGE_SRCU_FAST_NOT_WATCHING);
  __srcu_read_unlock_fast(ssp, scp);
}

/**
 * __srcu_read_lock_fast() (include/linux/srcutree.h, v6.15, !PROVE_RCU): scp =
 * READ_ONCE(srcu_ctrp); this_cpu_inc(scp->srcu_locks) (Y); barrier(). Inline, no
 * smp_mb(). Returns scp (the offset of srcu_ctrs[idx]).
 */
@inline export function __srcu_read_lock_fast(ssp: u32): u32 {
  const scp = READ_ONCE_u32(srcu_struct(ssp) + SRCU_CTRP);
  this_cpu_inc_u64_at(this_cpu_srcu_ctrs(ssp) + scp + SRCU_CTR_LOCKS); // Y
  barrier();
  return scp;
}

/** The increment half of __srcu_read_lock_fast(), for a task stalled after reading srcu_ctrp. */
@inline export function srcu_read_lock_fast_inc(ssp: u32, scp: u32): void {
  this_cpu_inc_u64_at(this_cpu_srcu_ctrs(ssp) + scp + SRCU_CTR_LOCKS); // Y
  barrier();
}

/** __srcu_read_unlock_fast() (v6.15): barrier(); this_cpu_inc(scp->srcu_unlocks) (Z). */
@inline export function __srcu_read_unlock_fast(ssp: u32, scp: u32): void {
  barrier();
  this_cpu_inc_u64_at(this_cpu_srcu_ctrs(ssp) + scp + SRCU_CTR_UNLOCKS); // Z
}

// ---- update side -----------------------------------------------------------------------

@inline function nr_cpus(): u32 {
  return READ_ONCE_u32(HDR_NR_CPUS);
}

/** srcu_readers_unlock_idx() / srcu_readers_lock_idx() (srcutree.c): a sum over CPUs. */
function srcu_readers_sum(ssp: u32, idx: u32, field: u32): u64 {
  let sum: u64 = 0;
  const n = nr_cpus();
  for (let cpu: u32 = 0; cpu < n; cpu++) {
    sum += READ_ONCE_u64(per_cpu_ptr(PCPU_SRCU, cpu) + <usize>ssp * CACHELINE + idx * SRCU_CTR_STRIDE + field);
  }
  return sum;
}

const CHECK_NO: u32 = 0;
const CHECK_YES: u32 = 1;
const CHECK_PENDING: u32 = 2; // SRCU-fast: waiting for the RCU grace period of barrier X

/**
 * srcu_readers_active_idx_check() (srcutree.c): unlocks first, then smp_mb() A, then
 * locks; equal sums mean no reader was on index `idx` when the unlocks were summed.
 * SRCU-fast replaces A with synchronize_rcu() (X): a request here, the lock sum on a
 * later step once that grace period completed.
 */
function srcu_readers_active_idx_check(ssp: u32, idx: u32): u32 {
  const s = srcu_struct(ssp);
  WRITE_ONCE_u64(s + SRCU_PRIV_SCANS, READ_ONCE_u64(s + SRCU_PRIV_SCANS) + 1);
  if (srcu_flavor(ssp) != SRCU_FLAVOR_FAST) {
    const unlocks = srcu_readers_sum(ssp, idx, SRCU_CTR_UNLOCKS);
    smp_mb(); // A: a lock is always counted if its unlock is; pairs with B and C
    return srcu_readers_sum(ssp, idx, SRCU_CTR_LOCKS) == unlocks ? CHECK_YES : CHECK_NO;
  }
  if (READ_ONCE_u32(s + SRCU_PRIV_SUBSTATE) == 0) {
    WRITE_ONCE_u64(s + SRCU_PRIV_UNLOCKS, srcu_readers_sum(ssp, idx, SRCU_CTR_UNLOCKS));
    // X: synchronize_rcu(), never expedited in v6.15 (that variant came after v6.16).
    WRITE_ONCE_u32(s + SRCU_PRIV_RCU_SEQ, start_poll_synchronize_rcu(0));
    WRITE_ONCE_u32(s + SRCU_PRIV_SUBSTATE, 1);
  }
  if (!poll_state_synchronize_rcu(READ_ONCE_u32(s + SRCU_PRIV_RCU_SEQ))) return CHECK_PENDING; // X: synchronize_rcu()
  WRITE_ONCE_u32(s + SRCU_PRIV_SUBSTATE, 0);
  return srcu_readers_sum(ssp, idx, SRCU_CTR_LOCKS) == READ_ONCE_u64(s + SRCU_PRIV_UNLOCKS) ? CHECK_YES : CHECK_NO;
}

/** srcu_flip() (srcutree.c): smp_mb() E; advance srcu_idx (and srcu_ctrp); smp_mb() D. */
function srcu_flip(ssp: u32): void {
  const s = srcu_struct(ssp);
  smp_mb(); // E: a reader whose lock this updater saw used the old index; pairs with B and C
  const idx = READ_ONCE_u32(s + SRCU_IDX) + 1;
  WRITE_ONCE_u32(s + SRCU_IDX, idx);
  WRITE_ONCE_u32(s + SRCU_CTRP, (idx & 1) * SRCU_CTR_STRIDE);
  smp_mb(); // D: a reader whose unlock this updater missed sees the new index next time; pairs with C
}


// ---- the grace-period state machine and its timing (srcutree.c, v5.6) ---------------------
//
// srcu_funnel_gp_start() starts a grace period (srcu_gp_start: SCAN1) and queues the
// workqueue function process_srcu() with queue_delayed_work(srcu_get_delay()): one jiffy
// (SRCU_INTERVAL) for a normal grace period, at once when expedited. process_srcu() runs
// srcu_advance_state() and then srcu_reschedule(srcu_get_delay()). Each scan is
// try_check_zero(idx, trycount): trycount 1 in SCAN1, 2 in SCAN2 ("check at least twice in
// quick succession after a flip"), one more check while expedited (`--trycount +
// !srcu_get_delay(ssp) <= 0`), udelay(SRCU_RETRY_CHECK_DELAY) between checks. A scan that
// still sees readers returns, and the work is queued again srcu_get_delay() later.
// srcu_gp_end() starts the next grace period at once (srcu_reschedule(ssp, 0)) when one is
// already needed. Read: joelagnel/linux-kernel kernel/rcu/srcutree.c (commit 41523eb0f898,
// a v5.7-v5.9 tree: srcu_delay_timer, no polled API) for srcu_get_delay, try_check_zero,
// srcu_advance_state, srcu_funnel_gp_start, srcu_gp_end, srcu_reschedule, process_srcu and
// __synchronize_srcu. Not emulated: srcu_gp_end() also delays a normal grace period's
// callbacks by cbdelay = srcu_get_delay() (a jiffy); the waiters here wake at the end.
// SRCU-fast (v6.15) runs on this v5.6 timing too: v6.15's srcu_get_delay() also adds the
// grace period's age in jiffies (up to SRCU_MAX_INTERVAL) and caps runs without delay.
// The kthread worker plays the workqueue: srcu_gp_step() runs the machine
// until it would sleep and leaves in SRCU_PRIV_NEXT_US when it wants to run again; a
// udelay() becomes such a wait too (the worker spins through waits that short).

/** SRCU_INTERVAL (srcutree.c, v5.6): 1 jiffy, srcu_get_delay() of a normal grace period. */
export const SRCU_INTERVAL: u32 = 1;
/** SRCU_RETRY_CHECK_DELAY (srcutree.c): udelay(5) between the checks of try_check_zero(). */
export const SRCU_RETRY_CHECK_DELAY_US: u32 = 5;

/** srcu_get_delay() (srcutree.c, v5.6), in jiffies: 0 while an expedited grace period is needed, else SRCU_INTERVAL. */
export function srcu_get_delay(ssp: u32): u32 {
  return srcu_gp_expedited(ssp) != 0 ? 0 : SRCU_INTERVAL;
}

/** queue_delayed_work(rcu_gp_wq, &ssp->work, delay) at `now_us`: process_srcu() runs `delay` jiffies later. */
@inline function srcu_queue_work(ssp: u32, now_us: f64, delay: u32): void {
  WRITE_ONCE_f64(srcu_struct(ssp) + SRCU_PRIV_NEXT_US, now_us + jiffies_to_us(delay));
}

/**
 * One step of the SRCU workqueue for srcu_struct `ssp` at time `now_us`: if process_srcu()
 * (or the udelay() of a try_check_zero() in progress) is due, run it. Returns STEP_IDLE
 * (nothing queued, or SRCU-fast waiting for its RCU grace period X), STEP_WAIT (queued for
 * srcu_next_step_us()) or STEP_GP_ENDED.
 */
export function srcu_gp_step(ssp: u32, now_us: f64): u32 {
  if (srcu_flavor(ssp) == SRCU_FLAVOR_NONE) return STEP_IDLE;
  const s = srcu_struct(ssp);
  if (READ_ONCE_u32(s + SRCU_PRIV_SUBSTATE) != 0) {
    // SRCU-fast waits in synchronize_rcu() (X): the RCU machine's end of that grace
    // period makes the kthread step again, so there is nothing to time here.
    if (!poll_state_synchronize_rcu(READ_ONCE_u32(s + SRCU_PRIV_RCU_SEQ))) return STEP_IDLE;
  } else if (rcu_seq_state(READ_ONCE_u32(s + SRCU_GP_SEQ)) != SRCU_STATE_IDLE && now_us < READ_ONCE_f64(s + SRCU_PRIV_NEXT_US)) {
    return STEP_WAIT; // the queued work (or a udelay()) is not due yet
  }
  return srcu_advance_state(ssp, now_us);
}

/** The next time (us) srcu_gp_step() will do work for `ssp`. */
export function srcu_next_step_us(ssp: u32): f64 {
  return READ_ONCE_f64(srcu_struct(ssp) + SRCU_PRIV_NEXT_US);
}

/** srcu_gp_start() (srcutree.c): smp_mb(); rcu_seq_start(&ssp->srcu_gp_seq) (-> SCAN1; its own smp_mb()). */
function srcu_gp_start(ssp: u32, now_us: f64): u32 {
  const s = srcu_struct(ssp);
  smp_mb(); // order the prior store to srcu_gp_seq_needed before the grace-period start
  const gp = rcu_seq_started(READ_ONCE_u32(s + SRCU_GP_SEQ));
  WRITE_ONCE_u32(s + SRCU_GP_SEQ, gp);
  smp_mb(); // rcu_seq_start(): update-side operations after the counter increment
  WRITE_ONCE_f64(s + SRCU_PRIV_GP_START_US, now_us); // emulator bookkeeping from here (tests, reports)
  WRITE_ONCE_f64(s + SRCU_PRIV_FIRST_SCAN_US, 0);
  return gp;
}

const TRY_DONE: u32 = 0; //    no readers: the scan is over
const TRY_FAIL: u32 = 1; //    readers present after every check: retry in a later work run
const TRY_UDELAY: u32 = 2; //  udelay(SRCU_RETRY_CHECK_DELAY), then check again
const TRY_PENDING: u32 = 3; // SRCU-fast: the check waits for its RCU grace period (X)

/**
 * try_check_zero(ssp, idx, trycount) (srcutree.c, v5.6), resumable: each call makes one
 * check; between checks the caller waits SRCU_RETRY_CHECK_DELAY_US (the kernel's udelay()).
 * SRCU_PRIV_TRYCOUNT keeps 1 + the loop's trycount while a call is in progress.
 */
function try_check_zero(ssp: u32, idx: u32, trycount: u32, now_us: f64): u32 {
  const s = srcu_struct(ssp);
  let t = <i32>READ_ONCE_u32(s + SRCU_PRIV_TRYCOUNT) - 1;
  if (t < 0) {
    t = <i32>trycount; // a new call
    WRITE_ONCE_u32(s + SRCU_PRIV_TRYCOUNT, <u32>t + 1);
    WRITE_ONCE_u32(s + SRCU_PRIV_TRY_CHECKS, 0);
  }
  if (READ_ONCE_f64(s + SRCU_PRIV_FIRST_SCAN_US) == 0) WRITE_ONCE_f64(s + SRCU_PRIV_FIRST_SCAN_US, now_us);
  const c = srcu_readers_active_idx_check(ssp, idx);
  if (c == CHECK_PENDING) return TRY_PENDING;
  const checks = READ_ONCE_u32(s + SRCU_PRIV_TRY_CHECKS) + 1;
  WRITE_ONCE_u32(s + SRCU_PRIV_TRY_CHECKS, checks);
  // if (--trycount + !srcu_get_delay(ssp) <= 0) return false;
  t--;
  if (c == CHECK_YES || t + (srcu_get_delay(ssp) == 0 ? 1 : 0) <= 0) {
    WRITE_ONCE_u32(s + SRCU_PRIV_TRYCOUNT, 0);
    WRITE_ONCE_u32(s + SRCU_PRIV_LAST_TRY_CHECKS, checks);
    WRITE_ONCE_f64(s + SRCU_PRIV_LAST_TRY_US, now_us);
    return c == CHECK_YES ? TRY_DONE : TRY_FAIL;
  }
  WRITE_ONCE_u32(s + SRCU_PRIV_TRYCOUNT, <u32>t + 1);
  WRITE_ONCE_f64(s + SRCU_PRIV_NEXT_US, now_us + <f64>SRCU_RETRY_CHECK_DELAY_US); // udelay(SRCU_RETRY_CHECK_DELAY)
  return TRY_UDELAY;
}

/**
 * After a scan that did not finish: STEP_IDLE while SRCU-fast waits for X, STEP_WAIT for a
 * udelay(), and for readers still present srcu_reschedule(ssp, srcu_get_delay(ssp)) of
 * process_srcu(): the work is queued again (a jiffy later, or at once while expedited).
 */
function srcu_scan_unfinished(ssp: u32, r: u32, now_us: f64): u32 {
  if (r == TRY_PENDING) return STEP_IDLE;
  if (r == TRY_FAIL) srcu_queue_work(ssp, now_us, srcu_get_delay(ssp));
  return STEP_WAIT;
}

/** srcu_advance_state() (srcutree.c, v5.6) from where the last step left it. */
function srcu_advance_state(ssp: u32, now_us: f64): u32 {
  const s = srcu_struct(ssp);
  let gp = READ_ONCE_u32(s + SRCU_GP_SEQ);
  if (rcu_seq_state(gp) == SRCU_STATE_IDLE) {
    if (!seq_cmp_lt(gp, READ_ONCE_u32(s + SRCU_GP_SEQ_NEEDED))) return STEP_IDLE;
    // srcu_funnel_gp_start(): srcu_gp_start(), then queue_delayed_work(..., srcu_get_delay(ssp)).
    gp = srcu_gp_start(ssp, now_us);
    const delay = srcu_get_delay(ssp);
    srcu_queue_work(ssp, now_us, delay);
    if (delay != 0) return STEP_WAIT;
  }
  if (rcu_seq_state(gp) == SRCU_STATE_SCAN1) {
    if (!fault_active(FAULT_SRCU_NO_SCAN1)) {
      const r = try_check_zero(ssp, 1 ^ (READ_ONCE_u32(s + SRCU_IDX) & 1), 1, now_us);
      if (r != TRY_DONE) return srcu_scan_unfinished(ssp, r, now_us); // readers present, retry later
    }
    if (!fault_active(FAULT_SRCU_NO_FLIP)) srcu_flip(ssp);
    gp = (gp & ~3) | SRCU_STATE_SCAN2; // rcu_seq_set_state(&ssp->srcu_gp_seq, SRCU_STATE_SCAN2)
    WRITE_ONCE_u32(s + SRCU_GP_SEQ, gp);
  }
  // SCAN2: wait for the readers of the index that was active before the flip, checking
  // at least twice in quick succession.
  const r = try_check_zero(ssp, 1 ^ (READ_ONCE_u32(s + SRCU_IDX) & 1), 2, now_us);
  if (r != TRY_DONE) return srcu_scan_unfinished(ssp, r, now_us);
  // srcu_gp_end(): rcu_seq_end(&ssp->srcu_gp_seq), then wake the waiters.
  smp_mb();
  gp = rcu_seq_ended(gp);
  WRITE_ONCE_u32(s + SRCU_GP_SEQ, gp);
  WRITE_ONCE_f64(s + SRCU_PRIV_LAST_GP_END, now_us);
  WRITE_ONCE_u64(s + SRCU_PRIV_COMPLETED, READ_ONCE_u64(s + SRCU_PRIV_COMPLETED) + 1);
  wake_up(s + SRCU_GP_SEQ);
  // "Start a new grace period if needed": srcu_gp_start(), srcu_reschedule(ssp, 0).
  if (seq_cmp_lt(gp, READ_ONCE_u32(s + SRCU_GP_SEQ_NEEDED))) {
    srcu_gp_start(ssp, now_us);
    srcu_queue_work(ssp, now_us, 0);
  }
  return STEP_GP_ENDED;
}

/** Is an expedited grace period needed (srcu_gp_seq < srcu_gp_seq_needed_exp; the test of srcu_get_delay())? */
export function srcu_gp_expedited(ssp: u32): u32 {
  const s = srcu_struct(ssp);
  const exp = READ_ONCE_u32(s + SRCU_GP_SEQ_NEEDED_EXP);
  return exp != 0 && seq_cmp_lt(READ_ONCE_u32(s + SRCU_GP_SEQ), exp) ? 1 : 0;
}

/**
 * srcu_might_be_idle() (srcutree.c, v5.6): no callbacks queued, at least exp_holdoff
 * since the last grace period ended, and no grace period in progress or needed.
 */
export function srcu_might_be_idle(ssp: u32, now_us: f64): bool {
  const s = srcu_struct(ssp);
  // v6.15 srcu_should_expedite(): never for SLOWGP (SRCU-fast) readers.
  if (srcu_flavor(ssp) == SRCU_FLAVOR_FAST) return false;
  if (cblist_pending(1 + ssp) != 0) return false;
  const last = READ_ONCE_f64(s + SRCU_PRIV_LAST_GP_END);
  if (now_us >= last && now_us < last + SRCU_EXP_HOLDOFF_US) return false; // too soon after the last GP
  const curseq = READ_ONCE_u32(s + SRCU_GP_SEQ);
  smp_mb(); // order srcu_gp_seq with srcu_gp_seq_needed
  if (seq_cmp_lt(curseq, READ_ONCE_u32(s + SRCU_GP_SEQ_NEEDED))) return false; // GP in progress
  smp_mb();
  return curseq == READ_ONCE_u32(s + SRCU_GP_SEQ);
}

/**
 * start_poll_synchronize_srcu() (srcutree.c since v5.8), with the expediting choice of the
 * caller it stands for: `expedited` for synchronize_srcu_expedited(); otherwise `sync` for
 * synchronize_srcu(), which v5.6 expedites when srcu_might_be_idle(), and neither for
 * call_srcu() and the polled API (never expedited, do_norm). srcu_funnel_gp_start()
 * records the needed sequence value and wakes the kthread (the kernel's workqueue).
 * Returns the cookie: the value srcu_gp_seq must reach.
 */
export function start_poll_synchronize_srcu(ssp: u32, expedited: u32, sync: u32, now_us: f64): u32 {
  const s = srcu_struct(ssp);
  const exp = expedited != 0 || (sync != 0 && srcu_might_be_idle(ssp, now_us));
  return gp_request(s + SRCU_GP_SEQ, s + SRCU_GP_SEQ_NEEDED, s + SRCU_GP_SEQ_NEEDED_EXP, exp);
}

/** poll_state_synchronize_srcu(ssp, cookie): rcu_seq_done() then smp_mb() (the end of __synchronize_srcu). */
export function poll_state_synchronize_srcu(ssp: u32, cookie: u32): u32 {
  return gp_done(srcu_struct(ssp) + SRCU_GP_SEQ, cookie);
}

/** call_srcu(ssp, head, func) (srcutree.c): (*fn)(arg) after an SRCU grace period. */
export function call_srcu(ssp: u32, fn: u32, arg: u32): u32 {
  const s = srcu_struct(ssp);
  return gp_call(cb_ring_srcu(ssp), s + SRCU_GP_SEQ, s + SRCU_GP_SEQ_NEEDED, fn, arg);
}

/** srcu_gp_seq of `ssp` (for callbacks and statistics). */
export function srcu_gp_seq(ssp: u32): u32 {
  return READ_ONCE_u32(srcu_struct(ssp) + SRCU_GP_SEQ);
}
