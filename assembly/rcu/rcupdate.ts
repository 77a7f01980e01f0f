// The RCU-sched read side (include/linux/rcupdate.h, v5.6): with a non-preemptible
// read side, rcu_read_lock_sched_notrace() is preempt_disable_notrace(). An unlock
// without a lock is counted as a usage error and refused.
import { PREEMPT_MASK, preempt_count, preempt_disable_notrace, preempt_enable_notrace } from "../preempt";
import { branch } from "../primitives";
import { USAGE_UNBALANCED_UNLOCK, usage_error } from "./usage";

/** rcu_read_lock_sched_notrace(). */
@inline export function rcu_read_lock_sched_notrace(): void {
  preempt_disable_notrace();
}

/** rcu_read_unlock_sched_notrace(). */
@inline export function rcu_read_unlock_sched_notrace(): void {
  if (branch((preempt_count() & PREEMPT_MASK) == 0)) {
    usage_error(USAGE_UNBALANCED_UNLOCK);
    return;
  }
  preempt_enable_notrace();
}
