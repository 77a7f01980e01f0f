// The kthread worker's one entry point: it plays rcu_gp_kthread (tree RCU grace periods),
// the SRCU workqueue (process_srcu for every srcu_struct) and the callback invoker
// (rcu_do_batch, srcu_invoke_callbacks), and the expedited grace periods' workqueue
// (rcu_exp_sel_wait_wake, tree_exp.ts). The worker's JavaScript calls it in a loop and
// sleeps (Atomics.wait on RCU_GP_WAKE) for the time it returns.
import { NR_SRCU, RCU_GP_SEQ } from "../layout";
import { READ_ONCE_u32 } from "../primitives";
import { CB_RING_RCU, cb_ring_srcu, cblist_invoke_ready } from "./cblist";
import { srcu_gp_seq, srcu_gp_step, srcu_next_step_us } from "./srcutree";
import { STEP_GP_ENDED, STEP_IDLE, STEP_WAIT, rcu_gp_next_fqs_us, rcu_gp_step } from "./tree_gp";
import { rcu_exp_step } from "./tree_exp";

/**
 * Advance every grace-period machine once at time `now_us` and invoke ready callbacks.
 * Returns how long the worker may sleep, in us: 0 = step again at once, -1 = nothing to
 * do until somebody wakes the kthread.
 */
export function gp_kthread_step(now_us: f64): f64 {
  let sleep: f64 = -1;
  const r = rcu_gp_step(now_us);
  if (r == STEP_GP_ENDED) sleep = 0;
  else if (r == STEP_WAIT) sleep = max(0, rcu_gp_next_fqs_us() - now_us);
  // The expedited grace period (tree_exp.h's workqueue item): waiting on IPIs needs no
  // timer, the last report wakes the kthread.
  if (rcu_exp_step() == STEP_GP_ENDED) sleep = 0;
  for (let ssp: u32 = 0; ssp < NR_SRCU; ssp++) {
    const q = srcu_gp_step(ssp, now_us);
    if (q == STEP_IDLE) continue;
    // A work item queued with no delay (srcu_reschedule(ssp, 0) of an expedited grace
    // period that still sees readers, v5.6) asks for at least 1 us, so that the worker's
    // spin budget applies: it never busy-loops on it unbounded.
    const t = q == STEP_GP_ENDED ? 0 : max(1, srcu_next_step_us(ssp) - now_us);
    sleep = sleep < 0 ? t : min(sleep, t);
  }
  cblist_invoke_ready(CB_RING_RCU, READ_ONCE_u32(RCU_GP_SEQ));
  for (let ssp: u32 = 0; ssp < NR_SRCU; ssp++) cblist_invoke_ready(cb_ring_srcu(ssp), srcu_gp_seq(ssp));
  return sleep;
}

