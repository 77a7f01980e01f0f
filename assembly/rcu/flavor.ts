// The update side of every RCU flavor behind one table, as liburcu's struct
// rcu_flavor_struct (include/urcu/flavor.h) puts each flavor's synchronize_rcu and
// call_rcu behind the same operations: the code that waits for or queues behind a grace
// period (the host's API, a CPU's blocking synchronize, the rcutorture writer) is written
// once, for a grace-period domain:
//   GP_DOMAIN_RCU              tree RCU (rcu_state; the flavor of rcu_read_lock_sched)
//   GP_DOMAIN_SRCU_BASE + ssp  srcu_struct `ssp`, SRCU or SRCU-fast (srcu_struct_flavor)
//   GP_DOMAIN_RCU_EXP          tree RCU's expedited grace periods (tree_exp.ts): what
//                              synchronize_rcu_expedited() waits on (gp_wait_domain)
// The per-flavor functions keep the kernel's names (update.ts, srcutree.ts).
import { NR_SRCU, RCU_EXP_SEQ, RCU_GP_SEQ, SRCU_GP_SEQ } from "../layout";
import { SRCU_FLAVOR_NONE, call_srcu, poll_state_synchronize_srcu, srcu_flavor, srcu_struct, start_poll_synchronize_srcu } from "./srcutree";
import { call_rcu, poll_state_synchronize_rcu, start_poll_synchronize_rcu } from "./update";
import { rcu_exp_request, sync_exp_work_done } from "./tree_exp";

export const GP_DOMAIN_RCU: u32 = 0;
export const GP_DOMAIN_SRCU_BASE: u32 = 1;
export const GP_DOMAIN_RCU_EXP: u32 = 0x100;

/** How a grace period is asked for (gp_start_poll's `mode`). */
export const GP_REQ_NORMAL: u32 = 0; //    call_*() and start_poll_synchronize_*(): never expedited
export const GP_REQ_SYNC: u32 = 1; //      synchronize_*(): SRCU (v5.6) expedites it when srcu_might_be_idle()
export const GP_REQ_EXPEDITED: u32 = 2; // synchronize_*_expedited()

/** The srcu_struct of an SRCU domain. */
@inline function ssp_of(domain: u32): u32 {
  return domain - GP_DOMAIN_SRCU_BASE;
}

/** 1 when `domain` is tree RCU or an initialised srcu_struct, else 0. */
export function gp_domain_valid(domain: u32): u32 {
  if (domain == GP_DOMAIN_RCU || domain == GP_DOMAIN_RCU_EXP) return 1;
  if (domain < GP_DOMAIN_SRCU_BASE || ssp_of(domain) >= NR_SRCU) return 0;
  return srcu_flavor(ssp_of(domain)) != SRCU_FLAVOR_NONE ? 1 : 0;
}

/** The domain's grace-period sequence word: waiters sleep on it (it is bumped at each GP end). */
export function gp_seq_word(domain: u32): usize {
  if (domain == GP_DOMAIN_RCU_EXP) return <usize>RCU_EXP_SEQ;
  return domain == GP_DOMAIN_RCU ? <usize>RCU_GP_SEQ : srcu_struct(ssp_of(domain)) + SRCU_GP_SEQ;
}

/**
 * The domain a request of `mode` on `domain` is made and waited on: synchronize_rcu_expedited()
 * (tree RCU, GP_REQ_EXPEDITED) runs an expedited grace period on its own sequence; every other
 * request stays on `domain` (SRCU expedites within its own grace periods).
 */
export function gp_wait_domain(domain: u32, mode: u32): u32 {
  return domain == GP_DOMAIN_RCU && mode == GP_REQ_EXPEDITED ? GP_DOMAIN_RCU_EXP : domain;
}

/** start_poll_synchronize_*() of the domain's flavor. Returns the cookie for gp_poll_state. */
export function gp_start_poll(domain: u32, mode: u32, now_us: f64): u32 {
  const expedited: u32 = mode == GP_REQ_EXPEDITED ? 1 : 0;
  if (domain == GP_DOMAIN_RCU_EXP) return rcu_exp_request();
  if (domain == GP_DOMAIN_RCU) return start_poll_synchronize_rcu(expedited);
  return start_poll_synchronize_srcu(ssp_of(domain), expedited, mode == GP_REQ_SYNC ? 1 : 0, now_us);
}

/** poll_state_synchronize_*(cookie): 1 once that grace period has completed (then a full barrier). */
export function gp_poll_state(domain: u32, cookie: u32): u32 {
  if (domain == GP_DOMAIN_RCU_EXP) return sync_exp_work_done(cookie);
  if (domain == GP_DOMAIN_RCU) return poll_state_synchronize_rcu(cookie);
  return poll_state_synchronize_srcu(ssp_of(domain), cookie);
}

/** call_rcu() / call_srcu(): (*fn)(arg) after a grace period. Returns 1, or 0 if the ring is full. */
export function gp_call_rcu(domain: u32, fn: u32, arg: u32): u32 {
  if (domain == GP_DOMAIN_RCU || domain == GP_DOMAIN_RCU_EXP) return call_rcu(fn, arg);
  return call_srcu(ssp_of(domain), fn, arg);
}
