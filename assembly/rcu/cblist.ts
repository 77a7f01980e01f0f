// Callback lists of call_rcu() and call_srcu() (kernel/rcu/rcu_segcblist.c in spirit):
// one FIFO ring per flavor in shared memory. Any context queues a callback with the
// grace-period sequence value it needs; the kthread invokes callbacks in queue order
// once their grace period has completed (rcu_do_batch / srcu_invoke_callbacks).
// A callback is a function-table index and a u32 argument: (*fn)(arg).
import { CB_BASE, CB_ENTRIES, CB_ENTRY_SIZE, CB_HEAD, CB_STRIDE, CB_TAIL, NR_CB } from "../layout";
import { READ_ONCE_u32, WRITE_ONCE_u32, atomic_cmpxchg, indirect_call_1, smp_load_acquire, smp_store_release } from "../primitives";
import { seq_cmp_ge } from "./rcu_seq";
import { USAGE_CB_OVERFLOW, usage_error } from "./usage";

const E_SEQ: u32 = 0;
const E_FN: u32 = 4;
const E_ARG: u32 = 8;
const E_READY: u32 = 12;

/** The ring of tree RCU's call_rcu(). */
export const CB_RING_RCU: u32 = 0;

/** The ring of call_srcu() on srcu_struct `ssp`. */
@inline export function cb_ring_srcu(ssp: u32): u32 {
  return 1 + ssp;
}

@inline function ring(flavor: u32): usize {
  return <usize>CB_BASE + <usize>flavor * <usize>CB_STRIDE;
}

@inline function entry(flavor: u32, i: u32): usize {
  return ring(flavor) + CB_ENTRIES + <usize>(i % NR_CB) * CB_ENTRY_SIZE;
}

/**
 * Queue (*fn)(arg) to run once grace-period sequence `seq` of `flavor` has been reached.
 * Returns 1, or 0 (a counted usage error) when the ring is full: never corrupts it.
 */
export function cblist_enqueue(flavor: u32, seq: u32, fn: u32, arg: u32): u32 {
  const r = ring(flavor);
  // Reserve a slot only if the ring has room: a cmpxchg loop on the tail.
  let tail = READ_ONCE_u32(r + CB_TAIL);
  for (;;) {
    if (tail - READ_ONCE_u32(r + CB_HEAD) >= NR_CB) {
      usage_error(USAGE_CB_OVERFLOW);
      return 0;
    }
    const seen = atomic_cmpxchg(r + CB_TAIL, tail, tail + 1);
    if (seen == tail) break;
    tail = seen;
  }
  const e = entry(flavor, tail);
  WRITE_ONCE_u32(e + E_SEQ, seq);
  WRITE_ONCE_u32(e + E_FN, fn);
  WRITE_ONCE_u32(e + E_ARG, arg);
  smp_store_release(e + E_READY, 1); // publish the filled entry; pairs with the acquire below
  return 1;
}

/** Number of queued callbacks not yet invoked. */
export function cblist_pending(flavor: u32): u32 {
  const r = ring(flavor);
  return READ_ONCE_u32(r + CB_TAIL) - READ_ONCE_u32(r + CB_HEAD);
}

/**
 * Invoke, in order, the callbacks whose grace period is done (`cur` reached their
 * sequence value). Only the kthread calls this. Returns how many were invoked.
 */
export function cblist_invoke_ready(flavor: u32, cur: u32): u32 {
  const r = ring(flavor);
  let head = READ_ONCE_u32(r + CB_HEAD);
  let n: u32 = 0;
  while (head != READ_ONCE_u32(r + CB_TAIL)) {
    const e = entry(flavor, head);
    if (smp_load_acquire(e + E_READY) == 0) break; // reserved, not yet filled
    if (!seq_cmp_ge(cur, READ_ONCE_u32(e + E_SEQ))) break;
    const fn = READ_ONCE_u32(e + E_FN), arg = READ_ONCE_u32(e + E_ARG);
    WRITE_ONCE_u32(e + E_READY, 0);
    head++;
    smp_store_release(r + CB_HEAD, head); // the slot may be reused from here on
    indirect_call_1(fn, arg);
    n++;
  }
  return n;
}

