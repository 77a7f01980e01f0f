// The update-side entry points of tree RCU that any context may call (kernel/rcu/tree.c,
// tree_exp.h, v5.6): synchronize_rcu() is split into a request (the snapshot of the
// grace-period sequence and the wake-up of the kthread) and a completion test, named after
// the kernel's polled API; the caller's JavaScript sleeps in between, never the module.
// call_rcu() queues a callback. The shared steps are in gp_request.ts.
import { PCPU_IRQS_DISABLED, PCPU_PREEMPT_COUNT, RCU_GP_SEQ, RCU_GP_SEQ_NEEDED } from "../layout";
import { PREEMPT_NEED_RESCHED } from "../preempt";
import { cpu_reg_read_u32 } from "../primitives";
import { CB_RING_RCU } from "./cblist";
import { gp_call, gp_done, gp_request } from "./gp_request";
import { USAGE_SYNC_IN_ATOMIC, usage_error } from "./usage";

/**
 * start_poll_synchronize_rcu() (the polled API; kernel/rcu/tree.c since v5.12, the
 * _expedited variant since v5.19): the request half of synchronize_rcu(). The emulation's
 * synchronize_rcu() is this request and a poll, the caller's JavaScript sleeping in
 * between; the grace periods behind it are v5.6's. Returns the cookie.
 */
export function start_poll_synchronize_rcu(expedited: u32): u32 {
  // start_poll_synchronize_rcu_expedited() (v5.19) waits on the normal sequence too; the
  // emulation's synchronize_rcu_expedited() uses tree_exp.ts (flavor.ts gp_wait_domain).
  return gp_request(RCU_GP_SEQ, RCU_GP_SEQ_NEEDED, RCU_GP_SEQ_NEEDED, false && expedited != 0);
}

/** poll_state_synchronize_rcu(cookie): 1 once the grace period has completed. */
export function poll_state_synchronize_rcu(cookie: u32): u32 {
  return gp_done(RCU_GP_SEQ, cookie);
}

/** call_rcu(head, func) (tree.c): (*fn)(arg) after a grace period. Returns 1, or 0 if the ring is full. */
export function call_rcu(fn: u32, arg: u32): u32 {
  return gp_call(CB_RING_RCU, RCU_GP_SEQ, RCU_GP_SEQ_NEEDED, fn, arg);
}

/** rcu_might_sleep()'s result bit for "interrupts disabled" (the rest is the preempt count). */
export const MIGHT_SLEEP_IRQS_OFF: u32 = 1 << 31;

/**
 * might_sleep() before synchronize_rcu()/synchronize_srcu() on a CPU: sleeping inside a
 * read-side critical section, an irq or with interrupts off would deadlock (the kernel
 * splats "BUG: sleeping function called from invalid context"). Returns 0 when legal,
 * else counts a usage error and returns preempt_count | MIGHT_SLEEP_IRQS_OFF if interrupts are off.
 */
export function rcu_might_sleep(): u32 {
  const pc = cpu_reg_read_u32(PCPU_PREEMPT_COUNT) & ~PREEMPT_NEED_RESCHED;
  const irqs_off = cpu_reg_read_u32(PCPU_IRQS_DISABLED);
  if (pc == 0 && irqs_off == 0) return 0;
  usage_error(USAGE_SYNC_IN_ATOMIC);
  return pc | (irqs_off != 0 ? MIGHT_SLEEP_IRQS_OFF : 0);
}
