// The `rcu` probe: a probe that itself uses RCU, as perf's tracepoint callbacks do
// (kernel/events/core.c perf_tp_event(), v5.6: hlist_for_each_entry_rcu() over the
// event list and, for a target task, rcu_read_lock(); ctx = rcu_dereference(
// task->perf_event_ctxp[perf_sw_context]); ... rcu_read_unlock(); read in the LKML
// patch contexts of kernel/events/core.c around perf_tp_event(), 2019-2023). The object it
// dereferences is replaced by the host, and the old one freed with call_rcu() and poisoned,
// so a reader that RCU did not wait for uses it after its free: counted like the probe
// array's use-after-free. 865e63b04e9b put rcu_irq_enter_irqson() back into rcuidle
// tracepoints because of such probes: with SRCU alone, the probe's rcu_read_lock() in
// the idle loop is in an extended quiescent state, invisible to RCU's grace periods.
import {
  NR_PRC_OBJS, PCPU_PROBE_STATS, PRC_FREED, PRC_NEXT, PRC_OBJS, PRC_OBJ_SIZE, PRC_PTR, PRC_REPLACED, PROBE_RCU_BASE,
  PRS_RCU_CALLS, PRS_RCU_UAF,
} from "../layout";
import { READ_ONCE_u32, WRITE_ONCE_u32, atomic_add_return, cpu_stat_inc, rcu_assign_pointer, rcu_dereference_raw } from "../primitives";
import { preempt_disable_notrace, preempt_enable_notrace } from "../preempt";
import { call_rcu } from "../rcu/update";
import { torture_random, udelay } from "../torture/random";

/** An object's state: published or still reachable by readers. */
export const PRC_LIVE: u32 = 0x600d;
/** Retired (unpublished), its call_rcu() callback not yet run. */
export const PRC_PENDING: u32 = 0x7e7d;
// 0: freed, the poison.

@inline function obj(i: u32): usize {
  return <usize>PROBE_RCU_BASE + PRC_OBJS + <usize>i * PRC_OBJ_SIZE;
}

/**
 * rcu: rcu_read_lock() (!CONFIG_PREEMPT_RCU: preempt_disable()), p = rcu_dereference(ptr),
 * hold it `data`/2 to `data` microseconds (a probe that works on the object), use it, then
 * rcu_read_unlock(). A use of a freed (poisoned) object is counted.
 */
export function probe_rcu(data: u32, arg: u32): void {
  cpu_stat_inc(PCPU_PROBE_STATS, PRS_RCU_CALLS);
  preempt_disable_notrace(); // rcu_read_lock()
  const p = <usize>rcu_dereference_raw(<usize>PROBE_RCU_BASE + PRC_PTR);
  if (p != 0) {
    udelay((data >> 1) + torture_random() % ((data >> 1) + 1));
    if (READ_ONCE_u32(p) == 0) cpu_stat_inc(PCPU_PROBE_STATS, PRS_RCU_UAF);
  }
  preempt_enable_notrace(); // rcu_read_unlock()
}

/** The object's call_rcu() callback (on the kthread): kfree(), which poisons it. */
export function cb_probe_rcu_free(p: u32): void {
  WRITE_ONCE_u32(<usize>p, 0);
  atomic_add_return(<usize>PROBE_RCU_BASE + PRC_FREED, 1);
}

/**
 * The host's update: take a freed object of the pool, mark it live, rcu_assign_pointer()
 * it, and call_rcu(old, cb) with `cb` the table index of cb_probe_rcu_free. Returns 1, or
 * 0 when every pool object still awaits its grace period (nothing replaced).
 */
export function probe_rcu_replace(cb: u32): u32 {
  const P = <usize>PROBE_RCU_BASE;
  let next = READ_ONCE_u32(P + PRC_NEXT);
  for (let k: u32 = 0; k < NR_PRC_OBJS; k++) {
    const i = (next + k) % NR_PRC_OBJS;
    const o = obj(i);
    if (READ_ONCE_u32(o) != 0) continue;
    WRITE_ONCE_u32(o, PRC_LIVE);
    const old = READ_ONCE_u32(P + PRC_PTR);
    rcu_assign_pointer(P + PRC_PTR, <u32>o);
    WRITE_ONCE_u32(P + PRC_NEXT, i + 1);
    WRITE_ONCE_u32(P + PRC_REPLACED, READ_ONCE_u32(P + PRC_REPLACED) + 1);
    if (old != 0) {
      WRITE_ONCE_u32(<usize>old, PRC_PENDING);
      // A full callback ring leaves the old object pending for ever (a leak, never a
      // false use-after-free): the pool has fewer objects from then on.
      call_rcu(cb, old);
    }
    return 1;
  }
  return 0;
}
