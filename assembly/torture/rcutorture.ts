// rcutorture (kernel/rcu/rcutorture.c, v5.6 era), the oracle of the RCU flavors.
//
// The writer publishes a new element, retires the old one (its pipe count goes 0 -> 1 at
// retirement, before any grace period), waits for a grace period of the flavor, then bumps
// the pipe count of every retired element; at RCU_TORTURE_PIPE_LEN (10) an element is
// freed: poisoned (rtort_mbtest = 0). Readers dereference the current element inside a
// read-side critical section, record at the END of the section its pipe count ("Reader
// Pipe") and how many grace periods passed ("Reader Batch"), and count a poisoned element
// (rtmbe). A pipe count above 1 means a grace period ended under a reader: RCU is broken.
//
// Readers run in the contexts the flavor allows: task, an irq taken from idle (through
// rcu_irq_enter, as rcuidle code must), an irq over a task, a scheduling-clock tick from
// idle, for RCU the timer softirq of a v5.8 tick over idle with a second tick nested in the
// reader (rcutorture's irqreader timer; kernel/entry_irq.ts), and, for SRCU, plain idle. Reader delays (rcu_read_delay) and, for the SRCU
// flavors, stragglers stalled between READ_ONCE(srcu_idx) and the counter increment, and
// tasks that migrate inside their section, widen the windows that bugs need.
import {
  ELEM_MBTEST, ELEM_PIPE_COUNT, ELEM_STRIDE, NR_TORTURE_ELEMS, PCPU_TORTURE_BATCH, PCPU_TORTURE_MISC,
  PCPU_TORTURE_PIPE, RCU_GP_SEQ, RCU_TORTURE_PIPE_LEN, TM_ADOPTED, TM_CFG_LONG, TM_CFG_MIGRATE, TM_CFG_STALL,
  TM_LONG_DELAYS, TM_MBERROR, TM_MIGRATIONS, TM_SECTIONS, TM_STALLS, TORTURE_CURRENT, TORTURE_ELEMS,
  TORTURE_MAX_RETIRED, TORTURE_N_ALLOC, TORTURE_N_FREE, TORTURE_N_GPS, TORTURE_WCOUNT, TORTURE_WRITER,
  TW_NEXT, TW_NR_RETIRED, TW_RETIRED, SRCU_CTRP, SRCU_IDX,
} from "../layout";
import {
  READ_ONCE_u32, READ_ONCE_u64, WRITE_ONCE_u32, WRITE_ONCE_u64, cpu_reg_read_u32, cpu_reg_write_u32, cpu_stat_inc,
  rcu_assign_pointer, rcu_dereference_raw,
} from "../primitives";
import { local_irq_disable, local_irq_enable } from "../irqflags";
import { irq_enter, irq_exit } from "../kernel/hardirq";
import { tick_idle_softirq_enter_v5_8, tick_idle_softirq_leave_v5_8, tick_nested_in_idle_v5_8 } from "../kernel/entry_irq";
import { JIFFY_US } from "../kernel/jiffies";
import { rcu_idle_enter, rcu_idle_exit } from "../rcu/dynticks";
import { FAULT_READER_IN_EQS, fault_active } from "../rcu/faults";
import { rcu_read_lock_sched_notrace, rcu_read_unlock_sched_notrace } from "../rcu/rcupdate";
import { RCU_SEQ_CTR_SHIFT, RCU_SEQ_STATE_MASK, seq_cmp_ge } from "../rcu/rcu_seq";
import {
  __srcu_read_lock, __srcu_read_lock_fast, __srcu_read_unlock, __srcu_read_unlock_fast, srcu_read_lock_idx,
  srcu_read_lock_inc, srcu_struct,
} from "../rcu/srcutree";
import { rcu_note_context_switch, rcu_sched_clock_irq } from "../rcu/tree_qs";
import { MS_ELEM, MS_FLAVOR, MS_HANDLE, MS_SSP, MS_STARTED, migrate_adopt, migrate_park, migrate_release } from "./migrate";
import { torture_random, udelay } from "./random";
import { srcu_read_lock_fast_inc } from "../rcu/srcutree";

export const TORTURE_RCU: u32 = 0;
export const TORTURE_SRCU: u32 = 1;
export const TORTURE_SRCU_FAST: u32 = 2;

const CTX_TASK: u32 = 0;
const CTX_IRQ_FROM_IDLE: u32 = 1;
const CTX_IRQ_FROM_TASK: u32 = 2;
const CTX_TICK_FROM_IDLE: u32 = 3;
const CTX_IDLE: u32 = 4;
const CTX_SOFTIRQ_FROM_IDLE: u32 = 5;

/** The irq_disable/irq_enable tracepoint id the v5.8 entry code passes (torture registers no probe: key off). */
const TORTURE_IRQ_TP: u32 = 0;

const PIPE_LEN = RCU_TORTURE_PIPE_LEN;

@inline function elem(i: u32): usize {
  return <usize>TORTURE_ELEMS + <usize>i * ELEM_STRIDE;
}

// ---- writer (rcu_torture_writer) --------------------------------------------------------

/** Reset the elements and the writer's state (before a run; no reader may be running). */
export function torture_writer_init(): void {
  for (let i: u32 = 0; i < NR_TORTURE_ELEMS; i++) {
    WRITE_ONCE_u32(elem(i) + ELEM_PIPE_COUNT, 0);
    WRITE_ONCE_u32(elem(i) + ELEM_MBTEST, 0);
  }
  WRITE_ONCE_u32(TORTURE_WRITER + TW_NEXT, 0);
  WRITE_ONCE_u32(TORTURE_WRITER + TW_NR_RETIRED, 0);
  for (let i: u32 = 0; i <= PIPE_LEN; i++) WRITE_ONCE_u64(TORTURE_WCOUNT + (i << 3), 0);
  WRITE_ONCE_u64(TORTURE_N_ALLOC, 0);
  WRITE_ONCE_u64(TORTURE_N_FREE, 0);
  WRITE_ONCE_u64(TORTURE_N_GPS, 0);
  rcu_assign_pointer(TORTURE_CURRENT, 0);
}

@inline function stat64_inc(p: usize): void {
  WRITE_ONCE_u64(p, READ_ONCE_u64(p) + 1);
}

/** rcu_torture_alloc(): the next free element, round robin (the freelist is FIFO). */
function rcu_torture_alloc(): usize {
  let next = READ_ONCE_u32(TORTURE_WRITER + TW_NEXT);
  for (let n: u32 = 0; n < NR_TORTURE_ELEMS; n++) {
    const e = elem(next);
    next = (next + 1) % NR_TORTURE_ELEMS;
    if (READ_ONCE_u32(e + ELEM_MBTEST) == 0) {
      WRITE_ONCE_u32(TORTURE_WRITER + TW_NEXT, next);
      return e;
    }
  }
  return 0;
}

/**
 * rcu_torture_pipe_update_one(rp): count the element in rcu_torture_wcount[], bump its
 * pipe count, and at RCU_TORTURE_PIPE_LEN free it (rtort_mbtest = 0: the poison).
 * Returns true when it was freed.
 */
function rcu_torture_pipe_update_one(e: usize): bool {
  let i = READ_ONCE_u32(e + ELEM_PIPE_COUNT);
  if (i > PIPE_LEN) i = PIPE_LEN;
  stat64_inc(TORTURE_WCOUNT + (i << 3));
  WRITE_ONCE_u32(e + ELEM_PIPE_COUNT, i + 1);
  if (i + 1 >= PIPE_LEN) {
    WRITE_ONCE_u32(e + ELEM_MBTEST, 0);
    stat64_inc(TORTURE_N_FREE);
    return true;
  }
  return false;
}

/**
 * The publish half of one writer iteration: allocate, initialise, rcu_assign_pointer()
 * it as rcu_torture_current, and retire the old element (pipe count 0 -> 1, no grace
 * period yet). Returns the new element's address, or 0 if none was free. As
 * rcu_torture_writer() (kernel/rcu/rcutorture.c, v5.x) does, the writer first sleeps a
 * jiffy (RTWS_FIXED_DELAY, schedule_timeout_uninterruptible(1): the caller's JavaScript),
 * and here waits udelay(torture_random() & 0x3ff) (RTWS_DELAY) before the replacement.
 */
export function torture_writer_publish(): u32 {
  const e = rcu_torture_alloc();
  if (e == 0) return 0;
  stat64_inc(TORTURE_N_ALLOC);
  WRITE_ONCE_u32(e + ELEM_PIPE_COUNT, 0);
  udelay(torture_random() & 0x3ff); // RTWS_DELAY
  WRITE_ONCE_u32(e + ELEM_MBTEST, 1);
  const old = rcu_dereference_raw(TORTURE_CURRENT);
  rcu_assign_pointer(TORTURE_CURRENT, <u32>e);
  if (old != 0) {
    const n = READ_ONCE_u32(TORTURE_WRITER + TW_NR_RETIRED);
    rcu_torture_pipe_update_one(old); // retirement: 0 -> 1
    if (n < TORTURE_MAX_RETIRED) {
      WRITE_ONCE_u32(TORTURE_WRITER + TW_RETIRED + (n << 2), old);
      WRITE_ONCE_u32(TORTURE_WRITER + TW_NR_RETIRED, n + 1);
    } else {
      WRITE_ONCE_u32(old + ELEM_MBTEST, 0); // cannot track it: free it now, as an error would
    }
  }
  return <u32>e;
}

/** The grace-period half: rcu_torture_pipe_update() of every retired element. */
export function torture_writer_after_gp(): void {
  stat64_inc(TORTURE_N_GPS);
  const n = READ_ONCE_u32(TORTURE_WRITER + TW_NR_RETIRED);
  let kept: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const e = READ_ONCE_u32(TORTURE_WRITER + TW_RETIRED + (i << 2));
    if (!rcu_torture_pipe_update_one(e)) {
      WRITE_ONCE_u32(TORTURE_WRITER + TW_RETIRED + (kept << 2), e);
      kept++;
    }
  }
  WRITE_ONCE_u32(TORTURE_WRITER + TW_NR_RETIRED, kept);
}

// ---- readers (rcu_torture_one_read) ------------------------------------------------------

/** cur_ops->get_gp_seq(): rcu_state.gp_seq for RCU; srcu_batches_completed() (srcu_idx) for SRCU. */
@inline function get_gp_seq(flavor: u32, ssp: u32): u32 {
  if (flavor == TORTURE_RCU) return READ_ONCE_u32(RCU_GP_SEQ);
  return READ_ONCE_u32(srcu_struct(ssp) + SRCU_IDX);
}

/** rcu_seq_diff(new, old) (kernel/rcu/rcu.h): grace periods between two gp_seq values. */
function rcu_seq_diff(nw: u32, old: u32): u32 {
  if (old == nw) return 0;
  const rnd_diff = (nw & ~RCU_SEQ_STATE_MASK) - ((old + RCU_SEQ_STATE_MASK) & ~RCU_SEQ_STATE_MASK) + ((nw & RCU_SEQ_STATE_MASK) != 0 || (old & RCU_SEQ_STATE_MASK) != 0 ? 1 : 0);
  if (seq_cmp_ge(RCU_SEQ_STATE_MASK, rnd_diff)) return 1;
  return ((rnd_diff - RCU_SEQ_STATE_MASK - 1) >> RCU_SEQ_CTR_SHIFT) + 2;
}

@inline function gp_diff(flavor: u32, nw: u32, old: u32): u32 {
  return flavor == TORTURE_RCU ? rcu_seq_diff(nw, old) : nw - old;
}

/** rcu_read_delay(): now and then a short delay, rarely a long one (both busy-waits). */
function rcu_read_delay(): void {
  const r = torture_random();
  const long_rate = cpu_reg_read_u32(PCPU_TORTURE_MISC + TM_CFG_LONG);
  if (long_rate != 0 && r % long_rate == 0) {
    cpu_stat_inc(PCPU_TORTURE_MISC, TM_LONG_DELAYS);
    udelay(1000 + (torture_random() % 4000)); // 1-5 ms
  } else if ((r >> 24) % 8 == 0) {
    udelay(20 + (torture_random() % 180)); // 20-200 us
  }
}

@inline function read_lock(flavor: u32, ssp: u32): u32 {
  if (flavor == TORTURE_RCU) {
    rcu_read_lock_sched_notrace();
    return 0;
  }
  if (flavor == TORTURE_SRCU) return __srcu_read_lock(ssp);
  return __srcu_read_lock_fast(ssp);
}

@inline function read_unlock(flavor: u32, ssp: u32, handle: u32): void {
  if (flavor == TORTURE_RCU) rcu_read_unlock_sched_notrace();
  else if (flavor == TORTURE_SRCU) __srcu_read_unlock(ssp, handle);
  else __srcu_read_unlock_fast(ssp, handle);
}

/**
 * The end of rcu_torture_one_read(): the pipe count and the grace periods seen, both
 * recorded before the unlock, and the poison check at the end of the section.
 */
function finish_read(flavor: u32, ssp: u32, handle: u32, p: u32, started: u32): void {
  let pipe_count = READ_ONCE_u32(p + ELEM_PIPE_COUNT);
  if (pipe_count > PIPE_LEN) pipe_count = PIPE_LEN;
  let completed = gp_diff(flavor, get_gp_seq(flavor, ssp), started);
  if (completed > PIPE_LEN) completed = PIPE_LEN;
  if (READ_ONCE_u32(p + ELEM_MBTEST) == 0) cpu_stat_inc(PCPU_TORTURE_MISC, TM_MBERROR);
  cpu_stat_inc(PCPU_TORTURE_PIPE, pipe_count << 3);
  cpu_stat_inc(PCPU_TORTURE_BATCH, completed << 3);
  cpu_stat_inc(PCPU_TORTURE_MISC, TM_SECTIONS);
  read_unlock(flavor, ssp, handle);
}

/** A whole read-side critical section in the current context. */
function one_read(flavor: u32, ssp: u32, ctx: u32): void {
  const stall_rate = cpu_reg_read_u32(PCPU_TORTURE_MISC + TM_CFG_STALL);
  let handle: u32 = 0;
  let straggler = false;
  if (flavor != TORTURE_RCU && ctx == CTX_TASK && stall_rate != 0 && torture_random() % stall_rate == 0) {
    // A task preempted between READ_ONCE(srcu_idx) (or srcu_ctrp) and its increment.
    straggler = true;
    cpu_stat_inc(PCPU_TORTURE_MISC, TM_STALLS);
    if (flavor == TORTURE_SRCU) {
      handle = srcu_read_lock_idx(ssp);
      udelay(1000 + torture_random() % 3000);
      srcu_read_lock_inc(ssp, handle);
    } else {
      handle = READ_ONCE_u32(srcu_struct(ssp) + SRCU_CTRP);
      udelay(1000 + torture_random() % 3000);
      srcu_read_lock_fast_inc(ssp, handle);
    }
  } else {
    handle = read_lock(flavor, ssp);
  }
  const started = get_gp_seq(flavor, ssp);
  const p = rcu_dereference_raw(TORTURE_CURRENT);
  if (p == 0) {
    read_unlock(flavor, ssp, handle);
    return;
  }
  if (ctx == CTX_SOFTIRQ_FROM_IDLE) {
    // Interrupts are on in __do_softirq(): the next tick arrives within a jiffy and nests.
    udelay(torture_random() % JIFFY_US);
    tick_nested_in_idle_v5_8(TORTURE_IRQ_TP);
  }
  if (straggler) udelay(5000 + torture_random() % 5000); // and then holds on for 5-10 ms
  else rcu_read_delay();
  const migrate_rate = cpu_reg_read_u32(PCPU_TORTURE_MISC + TM_CFG_MIGRATE);
  if (flavor != TORTURE_RCU && ctx == CTX_TASK && migrate_rate != 0 && torture_random() % migrate_rate == 0) {
    if (migrate_park(flavor, ssp, handle, p, started)) {
      cpu_stat_inc(PCPU_TORTURE_MISC, TM_MIGRATIONS);
      return; // the section goes on on another CPU
    }
  }
  finish_read(flavor, ssp, handle, p, started);
}

/** Finish a reader task that migrated here. Returns false when none is parked. */
function adopt_one(): bool {
  const s = migrate_adopt();
  if (s == 0) return false;
  const flavor = READ_ONCE_u32(s + MS_FLAVOR), ssp = READ_ONCE_u32(s + MS_SSP);
  const handle = READ_ONCE_u32(s + MS_HANDLE), p = READ_ONCE_u32(s + MS_ELEM), started = READ_ONCE_u32(s + MS_STARTED);
  migrate_release(s);
  if (flavor == TORTURE_RCU) return true;
  cpu_stat_inc(PCPU_TORTURE_MISC, TM_ADOPTED);
  rcu_read_delay();
  finish_read(flavor, ssp, handle, p, started);
  return true;
}

@inline function pick_context(flavor: u32): u32 {
  const r = torture_random() & 15;
  if (flavor == TORTURE_RCU) {
    if (r < 6) return CTX_TASK;
    return r < 10 ? CTX_IRQ_FROM_IDLE : r < 12 ? CTX_SOFTIRQ_FROM_IDLE : r < 14 ? CTX_IRQ_FROM_TASK : CTX_TICK_FROM_IDLE;
  }
  if (flavor == TORTURE_SRCU) return r < 9 ? CTX_TASK : r < 12 ? CTX_IDLE : r < 14 ? CTX_IRQ_FROM_IDLE : CTX_IRQ_FROM_TASK;
  return r < 10 ? CTX_TASK : r < 13 ? CTX_IRQ_FROM_IDLE : CTX_IRQ_FROM_TASK; // SRCU-fast: RCU must watch
}

/** One reader step in context `ctx`, entering and leaving the context the kernel's way. */
function read_in_context(flavor: u32, ssp: u32, ctx: u32): void {
  if (ctx == CTX_TASK) {
    one_read(flavor, ssp, ctx);
    rcu_note_context_switch(); // a scheduling point between sections
    return;
  }
  if (ctx == CTX_IRQ_FROM_TASK) {
    irq_enter();
    one_read(flavor, ssp, ctx);
    irq_exit();
    return;
  }
  if (ctx == CTX_SOFTIRQ_FROM_IDLE) {
    // The idle loop: rcu_idle_enter(), then sti; hlt; the tick wakes it and raises TIMER_SOFTIRQ,
    // whose handler (rcu_torture_timer()) reads with interrupts on.
    local_irq_disable();
    rcu_idle_enter();
    local_irq_enable();
    const st = tick_idle_softirq_enter_v5_8(TORTURE_IRQ_TP);
    one_read(flavor, ssp, ctx);
    tick_idle_softirq_leave_v5_8(TORTURE_IRQ_TP, st);
    local_irq_disable();
    rcu_idle_exit();
    local_irq_enable();
    return;
  }
  // From the idle loop: interrupts off, rcu_idle_enter().
  local_irq_disable();
  rcu_idle_enter();
  if (ctx == CTX_IDLE) {
    one_read(flavor, ssp, ctx); // SRCU in an EQS: what rcuidle tracepoints relied on
  } else if (ctx == CTX_IRQ_FROM_IDLE && flavor == TORTURE_RCU && fault_active(FAULT_READER_IN_EQS)) {
    one_read(flavor, ssp, ctx); // broken on purpose: an RCU reader where RCU is not watching
  } else {
    irq_enter(); // rcu_irq_enter(): RCU watches this CPU inside the handler
    if (ctx == CTX_TICK_FROM_IDLE) rcu_sched_clock_irq(0);
    one_read(flavor, ssp, ctx);
    irq_exit();
  }
  rcu_idle_exit();
  local_irq_enable();
}

/**
 * rcu_torture_reader(): `n` read-side sections of `flavor` (srcu_struct `ssp` for the
 * SRCU flavors) in contexts picked at random, adopting migrated tasks now and then.
 * Returns the number of sections started.
 */
export function torture_reader_batch(n: u32, flavor: u32, ssp: u32): u32 {
  for (let i: u32 = 0; i < n; i++) {
    if (flavor != TORTURE_RCU && (i & 7) == 0) adopt_one();
    read_in_context(flavor, ssp, pick_context(flavor));
  }
  return n;
}

/** Finish every parked task on this CPU (at the end of a run). Returns how many. */
export function torture_reader_drain(): u32 {
  let n: u32 = 0;
  while (adopt_one()) n++;
  return n;
}

/** Per-CPU reader configuration: 1-in-N rates (0 = never) of long delays, stalls, migrations. */
export function torture_reader_config(long_rate: u32, stall_rate: u32, migrate_rate: u32): void {
  cpu_reg_write_u32(PCPU_TORTURE_MISC + TM_CFG_LONG, long_rate);
  cpu_reg_write_u32(PCPU_TORTURE_MISC + TM_CFG_STALL, stall_rate);
  cpu_reg_write_u32(PCPU_TORTURE_MISC + TM_CFG_MIGRATE, migrate_rate);
}
