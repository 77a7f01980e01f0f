// Probe arrays (kernel/tracepoint.c allocate_probes / release_probes, v5.6). Arrays live
// in a shared arena of fixed slots, allocated round robin so that a freed slot is reused
// as late as possible. Freeing poisons every entry: its function becomes probe_uaf, so a
// reader that still walks a freed array calls it and the use-after-free is counted
// (where the kernel would run whatever the slab left there).
//
// Release chains (what freeing an old array waits for), by kernel version:
//   TP_RELEASE_RCU       call_rcu() -> kfree                 (<= v4.18 call_rcu_sched; v6.13)
//   TP_RELEASE_RCU_SRCU  call_rcu() -> call_srcu() -> kfree  (v4.19 .. v6.12, SRCU-fast 2025)
import {
  NR_PROBE_ARRAYS, PA_ENTRIES, PA_STATE, PA_STRIDE, TPA_ALLOCS, TPA_FN_RCU_FREE, TPA_FN_RCU_SRCU, TPA_FN_SRCU_FREE,
  TPA_FN_UAF, TPA_FREES, TPA_IN_USE, TPA_NEXT, TPF_SIZE, TP_ARENA, TP_ARENA_PRIV, TP_MAX_PROBES,
} from "../layout";
import {
  READ_ONCE_u32, READ_ONCE_u64, WRITE_ONCE_u32, WRITE_ONCE_u64, atomic_add_return, smp_load_acquire, smp_store_release,
} from "../primitives";
import { call_rcu } from "../rcu/update";
import { call_srcu } from "../rcu/srcutree";

export const TP_RELEASE_RCU: u32 = 0;
export const TP_RELEASE_RCU_SRCU: u32 = 1;

const PA_FREE: u32 = 0;
const PA_IN_USE: u32 = 1;

const P: usize = TP_ARENA_PRIV;

@inline function slot(i: u32): usize {
  return <usize>TP_ARENA + <usize>i * PA_STRIDE;
}

/** Address of entry `i` of the probe array at `pa`. */
@inline export function tp_func(pa: usize, i: u32): usize {
  return pa + PA_ENTRIES + <usize>i * TPF_SIZE;
}

/**
 * allocate_probes(count) (kmalloc of kernel/tracepoint.c, v5.6): a zeroed array of `count`
 * entries, or 0 when the arena is full. Runs on the host's context (under tracepoints_mutex
 * in the kernel), concurrently with free_probes() on the kthread: the slot state is read
 * with an acquire (pairs with free_probes()'s release store, so the poisoning writes of the
 * free are done before this allocation's zeroing writes), and TPA_IN_USE, which both sides
 * change, is changed by locked RMWs only. TPA_NEXT and TPA_ALLOCS have one writer (here).
 */
export function allocate_probes(count: u32): usize {
  if (count > TP_MAX_PROBES + 1) return 0;
  let next = READ_ONCE_u32(P + TPA_NEXT);
  for (let n: u32 = 0; n < NR_PROBE_ARRAYS; n++) {
    const pa = slot(next);
    next = (next + 1) % NR_PROBE_ARRAYS;
    // Acquire: pairs with the release store of PA_FREE in free_probes().
    if (smp_load_acquire(pa + PA_STATE) != PA_FREE) continue;
    WRITE_ONCE_u32(P + TPA_NEXT, next);
    for (let i: u32 = 0; i <= TP_MAX_PROBES; i++) {
      WRITE_ONCE_u32(tp_func(pa, i), 0);
      WRITE_ONCE_u32(tp_func(pa, i) + 4, 0);
      WRITE_ONCE_u32(tp_func(pa, i) + 8, 0);
    }
    WRITE_ONCE_u32(pa + PA_STATE, PA_IN_USE); // read only by this context's next allocations
    atomic_add_return(P + TPA_IN_USE, 1); // the kthread's free_probes() decrements it concurrently
    WRITE_ONCE_u64(P + TPA_ALLOCS, READ_ONCE_u64(P + TPA_ALLOCS) + 1);
    return pa;
  }
  return 0;
}

/**
 * kfree() of a probe array: poison every entry (function = probe_uaf, data = the slot)
 * but keep a terminator after them, then mark the slot free. Runs on the kthread (the
 * last callback of the release chain), concurrently with the host's allocate_probes():
 * TPA_IN_USE and TPA_FREES are changed by locked RMWs (the host increments TPA_IN_USE with
 * one too), and the slot is handed back with a release store, so that the poisoning above
 * is done before an allocation that sees PA_FREE (its acquire) zeroes the slot again.
 */
export function free_probes(pa: usize): void {
  const poison = READ_ONCE_u32(P + TPA_FN_UAF);
  for (let i: u32 = 0; i < TP_MAX_PROBES; i++) {
    WRITE_ONCE_u32(tp_func(pa, i), poison);
    WRITE_ONCE_u32(tp_func(pa, i) + 4, <u32>pa);
  }
  WRITE_ONCE_u32(tp_func(pa, TP_MAX_PROBES), 0);
  atomic_add_return(P + TPA_IN_USE, <u32>-1);
  atomic_add_return(P + TPA_FREES, 1); // low word of the u64 counter: enough for a run
  smp_store_release(pa + PA_STATE, PA_FREE); // pairs with the acquire in allocate_probes()
}

/** srcu_free_old_probes() (kernel/tracepoint.c): the SRCU callback, kfree. */
export function cb_srcu_free_old_probes(pa: u32): void {
  free_probes(pa);
}

/** rcu_free_old_probes() in the RCU-only chain: kfree after one RCU grace period. */
export function cb_rcu_free_old_probes(pa: u32): void {
  free_probes(pa);
}

/**
 * rcu_free_old_probes() (kernel/tracepoint.c, v4.19+): after the RCU grace period, chain
 * an SRCU grace period: call_srcu(&tracepoint_srcu, ..., srcu_free_old_probes). The
 * srcu_struct index rides in the top byte of the argument.
 */
export function cb_rcu_then_srcu_free_old_probes(arg: u32): void {
  call_srcu(arg >>> 24, READ_ONCE_u32(P + TPA_FN_SRCU_FREE), arg & 0xffffff);
}

/**
 * release_probes(old) (kernel/tracepoint.c): free `pa` after the grace periods of the
 * chain. Returns 0, or 1 when a callback ring was full (the array then leaks: counted).
 */
export function release_probes(pa: usize, chain: u32, ssp: u32): u32 {
  if (pa == 0) return 0;
  if (chain == TP_RELEASE_RCU) return 1 - call_rcu(READ_ONCE_u32(P + TPA_FN_RCU_FREE), <u32>pa);
  return 1 - call_rcu(READ_ONCE_u32(P + TPA_FN_RCU_SRCU), (ssp << 24) | <u32>pa);
}

/** The host tells the module where the poison and the release callbacks sit in the function table. */
export function tp_set_functions(uaf: u32, srcu_free: u32, rcu_free: u32, rcu_srcu: u32): void {
  WRITE_ONCE_u32(P + TPA_FN_UAF, uaf);
  WRITE_ONCE_u32(P + TPA_FN_SRCU_FREE, srcu_free);
  WRITE_ONCE_u32(P + TPA_FN_RCU_FREE, rcu_free);
  WRITE_ONCE_u32(P + TPA_FN_RCU_SRCU, rcu_srcu);
}

/** Slots allocated and not yet freed. */
export function tp_arrays_in_use(): u32 {
  return READ_ONCE_u32(P + TPA_IN_USE);
}
