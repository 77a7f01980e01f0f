// Read-side benchmark loops of the RCU flavors, and busy readers for grace-period latency
// under load. JavaScript calls each once per batch.
import { irq_poll } from "./kernel/irq_delivery";
import { rcu_read_lock_sched_notrace, rcu_read_unlock_sched_notrace } from "./rcu/rcupdate";
import { SRCU_FLAVOR_FAST, __srcu_read_lock, __srcu_read_lock_fast, __srcu_read_unlock, __srcu_read_unlock_fast, srcu_flavor } from "./rcu/srcutree";
import { rcu_note_context_switch } from "./rcu/tree_qs";
import { PCPU_COUNTER } from "./layout";
import { this_cpu_ptr } from "./percpu";
import { READ_ONCE_u32 } from "./primitives";

/** `len` loads of a private word: the body of a busy reader's section. */
@inline function section_body(len: u32): u32 {
  const p = this_cpu_ptr(PCPU_COUNTER);
  let acc: u32 = 0;
  for (let j: u32 = 0; j < len; j++) acc += READ_ONCE_u32(p);
  return acc;
}

/** rcu_read_lock_sched_notrace() + rcu_read_unlock_sched_notrace(), `n` times. */
export function bench_rcu_read_sched(n: u32): u32 {
  let i: u32 = 0;
  for (; i < n; i++) {
    rcu_read_lock_sched_notrace();
    rcu_read_unlock_sched_notrace();
  }
  return i;
}

/** srcu_read_lock() + srcu_read_unlock() on srcu_struct `ssp`, `n` times. */
export function bench_srcu_read(n: u32, ssp: u32): u32 {
  let sum: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const idx = __srcu_read_lock(ssp);
    __srcu_read_unlock(ssp, idx);
    sum += idx;
  }
  return sum;
}

/** srcu_read_lock_fast() + srcu_read_unlock_fast() on `ssp`, `n` times. */
export function bench_srcu_fast_read(n: u32, ssp: u32): u32 {
  let sum: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const scp = __srcu_read_lock_fast(ssp);
    __srcu_read_unlock_fast(ssp, scp);
    sum += scp;
  }
  return sum;
}

/**
 * A busy CPU for grace-period latency: `n` RCU-sched read-side sections of `len` empty
 * iterations each, with a scheduling point (a quiescent state) and an interrupt-enabled point
 * (kernel/irq_delivery.ts) after each section.
 */
export function bench_rcu_busy(n: u32, len: u32): u32 {
  let acc: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    rcu_read_lock_sched_notrace();
    acc += section_body(len);
    rcu_read_unlock_sched_notrace();
    rcu_note_context_switch();
    irq_poll(); // interrupts on between sections: an expedited grace period's IPI is taken here
  }
  return acc;
}

/** A busy reader of srcu_struct `ssp` (SRCU or SRCU-fast, as it was created): `n` sections of `len` iterations. */
export function bench_srcu_busy(n: u32, len: u32, ssp: u32): u32 {
  const fast = srcu_flavor(ssp) == SRCU_FLAVOR_FAST;
  let acc: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    if (fast) {
      const scp = __srcu_read_lock_fast(ssp);
      acc += section_body(len);
      __srcu_read_unlock_fast(ssp, scp);
    } else {
      const idx = __srcu_read_lock(ssp);
      acc += section_body(len);
      __srcu_read_unlock(ssp, idx);
    }
    rcu_note_context_switch();
    irq_poll();
  }
  return acc;
}
