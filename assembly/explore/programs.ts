// The explorer's small kernels (stepping build only): each emulated CPU runs one program,
// a reader, an updater or the grace-period kthread, written with the same kernel functions
// the torture and the measured paths use. Between two primitives the explorer's scheduler
// may switch CPUs or deliver a scheduling-clock tick (primitives.ts, stepping build).
// The oracle is rcutorture's (kernel/rcu/rcutorture.c): readers look at the current
// element inside their section (its rtort_mbtest is 0 once freed), and each reader
// records the grace-period sequence it started under, so the host checks at every step
// that no grace period that began after the reader's lock has ended while it is inside.
import { RCU_GP_SEQ, SRCU_GP_SEQ } from "../layout";
import { READ_ONCE_u32, WRITE_ONCE_u32, rcu_assign_pointer, rcu_dereference_raw, sched_yield, set_irq_vector } from "../primitives";
import { HARDIRQ_OFFSET, SOFTIRQ_OFFSET, preempt_count_add, preempt_count_sub } from "../preempt";
import { local_irq_disable, local_irq_enable } from "../irqflags";
import { irq_enter, irq_exit } from "../kernel/hardirq";
import { sched_clock_interrupt } from "../kernel/tick";
import { rcu_idle_enter, rcu_idle_exit } from "../rcu/dynticks";
import { FAULT_READER_IN_EQS, fault_active, fault_evals_at } from "../rcu/faults";
import { GP_DOMAIN_RCU, GP_DOMAIN_SRCU_BASE, GP_REQ_SYNC, gp_poll_state, gp_start_poll } from "../rcu/flavor";
import { gp_kthread_step } from "../rcu/kthread";
import { rcu_read_lock_sched_notrace, rcu_read_unlock_sched_notrace } from "../rcu/rcupdate";
import {
  SRCU_FLAVOR_FAST, SRCU_FLAVOR_NORMAL, __srcu_read_lock, __srcu_read_lock_fast, __srcu_read_unlock, __srcu_read_unlock_fast,
  init_srcu_struct, srcu_struct,
} from "../rcu/srcutree";
import { rcu_note_context_switch } from "../rcu/tree_qs";
import { TORTURE_RCU, TORTURE_SRCU } from "../torture/rcutorture";
import { smp_processor_id } from "../percpu";
import {
  EX_CLOCK, EX_CURRENT, EX_ELEM_MBTEST, EX_FAULT_EVALS, EX_NR_ELEMS, EX_R_ACTIVE, EX_R_GPS, EX_R_SECTIONS, EX_R_SEQ_ADDR, EX_R_START,
  EX_R_UAF, ex, ex_elem, ex_read_u32, ex_reader, ex_set_base, ex_write_u32,
} from "./state";

export { EX_REGION_BYTES, EX_FAULT_EVALS, EX_FAULT_EVALS_SLOTS, EX_READERS, EX_READER_STRIDE, EX_R_ACTIVE, EX_R_START, EX_R_SEQ_ADDR, EX_R_UAF, EX_R_SECTIONS, EX_R_GPS } from "./state";
export { STEP_YIELD } from "../primitives";
// For the trace: the context of an access (preempt-count fields) and whether RCU watches.
export { SOFTIRQ_MASK, HARDIRQ_MASK, NMI_MASK } from "../preempt";
export { RCU_DYNTICK_CTRL_CTR } from "../rcu/dynticks";

/** Programs a CPU can run (explore_thread's `role`). */
export const EX_ROLE_READER_TASK: u32 = 0; //          sections in task context, a context switch after each
export const EX_ROLE_READER_IRQ_FROM_IDLE: u32 = 1; //  an irq taken from idle: rcu_irq_enter(), section, rcu_irq_exit()
export const EX_ROLE_READER_SOFTIRQ_IDLE: u32 = 2; //   the softirq of an irq from idle, irqs on: ticks nest in it
export const EX_ROLE_READER_IDLE: u32 = 3; //          SRCU in the idle loop (an extended quiescent state)
export const EX_ROLE_UPDATER: u32 = 4; //              publish, synchronize, free; `n` times
/** The interrupt sched_point may deliver: the scheduling-clock tick. */
export const EX_IRQ_TICK: u32 = 1;
/** The explorer's srcu_struct. */
const SSP: u32 = 0;

/** Bind this instance to the explorer region at `base` (every context, after cpu_init). */
export function explore_init(base: u32): void {
  ex_set_base(base);
  fault_evals_at(ex(EX_FAULT_EVALS));
  set_irq_vector(0);
}

/** Let sched_point deliver ticks on this CPU through the handler at table index `fn` (cb_explore_irq). */
export function explore_enable_irqs(fn: u32): void {
  set_irq_vector(fn);
}

/** The interrupt handler sched_point calls: a scheduling-clock tick (kernel/tick.ts). */
export function cb_explore_irq(irq: u32): void {
  if (irq == EX_IRQ_TICK) sched_clock_interrupt();
}

/** The initial state (host context, once): the srcu_struct, element 0 published, the rest free. */
export function explore_setup(flavor: u32): void {
  if (flavor != TORTURE_RCU) init_srcu_struct(SSP, flavor == TORTURE_SRCU ? SRCU_FLAVOR_NORMAL : SRCU_FLAVOR_FAST);
  for (let i: u32 = 0; i < EX_NR_ELEMS; i++) WRITE_ONCE_u32(ex_elem(i) + EX_ELEM_MBTEST, i == 0 ? 1 : 0);
  rcu_assign_pointer(ex(EX_CURRENT), <u32>ex_elem(0));
  store<f64>(ex(EX_CLOCK), 0);
}

@inline function gp_seq_addr(flavor: u32): usize {
  return flavor == TORTURE_RCU ? <usize>RCU_GP_SEQ : srcu_struct(SSP) + SRCU_GP_SEQ;
}

/**
 * rcu_torture_one_read() reduced to its oracle: lock, snapshot the grace-period sequence,
 * dereference the current element, delay, check its rtort_mbtest (twice), unlock.
 */
function one_read(flavor: u32): void {
  const cpu = smp_processor_id();
  let handle: u32 = 0;
  if (flavor == TORTURE_RCU) rcu_read_lock_sched_notrace();
  else if (flavor == TORTURE_SRCU) handle = __srcu_read_lock(SSP);
  else handle = __srcu_read_lock_fast(SSP);
  const seq = gp_seq_addr(flavor);
  ex_write_u32(ex_reader(cpu, EX_R_START), READ_ONCE_u32(seq));
  ex_write_u32(ex_reader(cpu, EX_R_SEQ_ADDR), <u32>seq);
  ex_write_u32(ex_reader(cpu, EX_R_ACTIVE), 1);
  const p = rcu_dereference_raw(ex(EX_CURRENT));
  // rcu_read_delay(): the reader stays in its section a while (a udelay, twice): the other
  // CPUs run meanwhile. Not a context switch: the CPU is busy inside the section.
  for (let d = 0; d < 2; d++) {
    sched_yield();
    if (p != 0 && READ_ONCE_u32(p + EX_ELEM_MBTEST) == 0) ex_write_u32(ex_reader(cpu, EX_R_UAF), ex_read_u32(ex_reader(cpu, EX_R_UAF)) + 1);
  }
  ex_write_u32(ex_reader(cpu, EX_R_ACTIVE), 0);
  ex_write_u32(ex_reader(cpu, EX_R_SECTIONS), ex_read_u32(ex_reader(cpu, EX_R_SECTIONS)) + 1);
  if (flavor == TORTURE_RCU) rcu_read_unlock_sched_notrace();
  else if (flavor == TORTURE_SRCU) __srcu_read_unlock(SSP, handle);
  else __srcu_read_unlock_fast(SSP, handle);
}

/** The idle loop's way into an interrupt: rcu_idle_enter() with irqs off, then sti; hlt. */
@inline function idle_enter(): void {
  local_irq_disable();
  rcu_idle_enter();
  local_irq_enable(); // arch_cpu_idle(): sti; hlt, the interrupt comes
}

@inline function idle_exit(): void {
  local_irq_disable();
  rcu_idle_exit();
  local_irq_enable();
}

/** One section in the program's context. */
function read_in_context(role: u32, flavor: u32): void {
  if (role == EX_ROLE_READER_TASK) {
    one_read(flavor);
    rcu_note_context_switch(); // a scheduling point between sections
    return;
  }
  idle_enter();
  if (role == EX_ROLE_READER_IDLE) {
    one_read(flavor); // SRCU where RCU is not watching: what rcuidle tracepoints relied on
  } else if (role == EX_ROLE_READER_IRQ_FROM_IDLE && flavor == TORTURE_RCU && fault_active(FAULT_READER_IN_EQS)) {
    one_read(flavor); // broken on purpose (as rcutorture.ts): an RCU reader where RCU is not watching
  } else if (role == EX_ROLE_READER_IRQ_FROM_IDLE) {
    irq_enter();
    one_read(flavor);
    irq_exit();
  } else {
    // irq_exit() -> invoke_softirq() -> __do_softirq() (kernel/softirq.c, v5.8): after
    // preempt_count_sub(HARDIRQ_OFFSET), before rcu_irq_exit(), softirqs run with
    // interrupts enabled: dynticks_nmi_nesting is still 1 and a tick can nest here.
    irq_enter();
    preempt_count_sub(HARDIRQ_OFFSET);
    preempt_count_add(SOFTIRQ_OFFSET); // __local_bh_disable_ip(SOFTIRQ_OFFSET)
    local_irq_enable();
    one_read(flavor);
    local_irq_disable();
    preempt_count_sub(SOFTIRQ_OFFSET);
    preempt_count_add(HARDIRQ_OFFSET);
    irq_exit();
  }
  idle_exit();
}

/** The end of every CPU program: the CPU goes idle for good (an extended quiescent state). */
function park_idle(): void {
  local_irq_disable();
  rcu_idle_enter();
}

/**
 * rcu_torture_writer() with the grace period in the middle: publish a new element with
 * rcu_assign_pointer(), synchronize (request, then poll; the waiting task sleeps, so its
 * CPU passes through context switches), then free the old element (rtort_mbtest = 0).
 */
function update(flavor: u32, i: u32): void {
  const cpu = smp_processor_id();
  const old = rcu_dereference_raw(ex(EX_CURRENT));
  const e = ex_elem((i + 1) % EX_NR_ELEMS);
  WRITE_ONCE_u32(e + EX_ELEM_MBTEST, 1);
  rcu_assign_pointer(ex(EX_CURRENT), <u32>e);
  const domain = flavor == TORTURE_RCU ? GP_DOMAIN_RCU : GP_DOMAIN_SRCU_BASE + SSP;
  const cookie = gp_start_poll(domain, GP_REQ_SYNC, load<f64>(ex(EX_CLOCK)));
  while (gp_poll_state(domain, cookie) == 0) {
    rcu_note_context_switch(); // schedule(): the task sleeps in synchronize_*()
    sched_yield();
  }
  ex_write_u32(ex_reader(cpu, EX_R_GPS), ex_read_u32(ex_reader(cpu, EX_R_GPS)) + 1);
  if (old != 0) WRITE_ONCE_u32(old + EX_ELEM_MBTEST, 0); // kfree(): the poison readers check
}

/** CPU program `role` of `flavor` (TORTURE_*), `n` sections or updates, then idle. */
export function explore_thread(role: u32, flavor: u32, n: u32): void {
  for (let i: u32 = 0; i < n; i++) {
    if (role == EX_ROLE_UPDATER) update(flavor, i);
    else read_in_context(role, flavor);
  }
  park_idle();
}

/**
 * The grace-period kthread (rcu/kthread.ts) on the explorer's virtual clock: each step
 * advances it by a second, so every timed wait (FQS intervals, SRCU's delays) has elapsed
 * and only the order of memory accesses decides. It yields whenever it has nothing to do
 * at once; the host stops scheduling it when the CPUs' programs are done.
 */
export function explore_kthread(): void {
  while (true) {
    const now = load<f64>(ex(EX_CLOCK)) + 1e6;
    store<f64>(ex(EX_CLOCK), now);
    if (gp_kthread_step(now) != 0) sched_yield();
  }
}
