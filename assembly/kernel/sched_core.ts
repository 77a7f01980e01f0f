// migrate_disable()/migrate_enable() (kernel/sched/core.c, v5.11 to v6.17, where they are
// out-of-line EXPORT_SYMBOL_GPL functions; !CONFIG_DEBUG_PREEMPT), for the srcu-fast row's
// guard(migrate). Read: core.c's migrate_disable()/migrate_enable() of that span (code
// index excerpt of kernel/sched/core.c with migrate_disable_switch()). Later kernels
// (a 2025 patch) inline them through include/linux/sched.h: whether the row's kernel has
// that is unverified, so the calls are counted as out of line.
// The emulated CPU runs one task: its task_struct fields sit in the CPU's PCPU_TP line.
import { PCPU_TP, TPS_CPUS_PTR, TPS_CURRENT, TPS_MIGRATE_DISABLED, TPS_NR_PINNED } from "../layout";
import { preempt_disable_notrace, preempt_enable_notrace } from "../preempt";
import { barrier, branch, out_of_line_call, this_cpu_add_return_u32, this_cpu_read_u32, this_cpu_write_u32 } from "../primitives";

/**
 * migrate_disable() (kernel/sched/core.c, v5.11 to v6.17: out of line, EXPORT_SYMBOL_GPL):
 * `p = current; if (p->migration_disabled) { p->migration_disabled++; return; }` (nested),
 * else the outermost: `preempt_disable(); this_rq()->nr_pinned++; p->migration_disabled = 1;
 * preempt_enable();`. Without CONFIG_DEBUG_PREEMPT. The emulated CPU has one task.
 */
export function migrate_disable(): void {
  out_of_line_call();
  this_cpu_read_u32(PCPU_TP + TPS_CURRENT); // current: this_cpu_read(current_task)
  const md = this_cpu_read_u32(PCPU_TP + TPS_MIGRATE_DISABLED);
  if (branch(md != 0)) {
    this_cpu_write_u32(PCPU_TP + TPS_MIGRATE_DISABLED, md + 1);
    return;
  }
  preempt_disable_notrace(); // preempt_disable(): the same increment
  this_cpu_add_return_u32(PCPU_TP + TPS_NR_PINNED, 1); // this_rq()->nr_pinned++
  this_cpu_write_u32(PCPU_TP + TPS_MIGRATE_DISABLED, 1);
  preempt_enable_notrace();
}

/**
 * migrate_enable() (kernel/sched/core.c, same versions): nested: `p->migration_disabled--`;
 * outermost: WARN_ON_ONCE(!p->migration_disabled), preempt_disable(), the cpus_ptr test
 * (__set_cpus_allowed_ptr() only if the affinity was narrowed meanwhile: never here),
 * barrier(), p->migration_disabled = 0, this_rq()->nr_pinned--, preempt_enable().
 */
export function migrate_enable(): void {
  out_of_line_call();
  this_cpu_read_u32(PCPU_TP + TPS_CURRENT);
  const md = this_cpu_read_u32(PCPU_TP + TPS_MIGRATE_DISABLED);
  if (branch(md > 1)) {
    this_cpu_write_u32(PCPU_TP + TPS_MIGRATE_DISABLED, md - 1);
    return;
  }
  if (branch(md == 0)) return; // WARN_ON_ONCE(!p->migration_disabled)
  preempt_disable_notrace();
  if (branch(this_cpu_read_u32(PCPU_TP + TPS_CPUS_PTR) != 0)) {
    // __set_cpus_allowed_ptr(p, &p->cpus_mask, SCA_MIGRATE_ENABLE): affinity is never narrowed here
  }
  barrier();
  this_cpu_write_u32(PCPU_TP + TPS_MIGRATE_DISABLED, 0);
  this_cpu_add_return_u32(PCPU_TP + TPS_NR_PINNED, <u32>-1); // this_rq()->nr_pinned--
  preempt_enable_notrace();
}
