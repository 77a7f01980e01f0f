// A weighted mix of kernel paths, the workload of a scenario (bindings/experiments/scenario.ts):
// each iteration draws a path with this CPU's torture_random() and runs it. The mix (path
// ids and cumulative weights), the tracepoint the paths call and nohz_full are the host's
// configuration (SCN_*), read without counting; so are the draw and the per-path counts
// (PCPU_PATH_COUNTS): emulator work, the same for every strategy a scenario compares.
//
// Home state, between two paths: a task in the kernel, interrupts on, preempt count 0,
// RCU watching (dynticks_nesting 1), tracing_irq_cpu 0. Every path returns to it. There, with
// interrupts on, the CPU polls its pending-interrupt word (kernel/irq_delivery.ts): the
// scenario's interrupt schedule counts one operation per path, and a tick is delivered
// through the x86 entry of the configured version.
//
// To add a path (an interrupt, idle or NMI path): one line in kernel/path_ids.ts (its id),
// one `case` line in run_path() below, one row in bindings/experiments/scenario-paths.ts
// PATHS. A path that starts in user mode runs as a real workload reaches it, for example
// `syscall_exit_v5_6(id, nohz_full); irq_from_user_v5_6(...); syscall_enter_v5_6(id, nohz_full);`.
import { NR_MIX_PATHS, NR_TRACEPOINTS, PCPU_PATH_COUNTS, SCN_MIX_CUM, SCN_MIX_NOHZ_FULL, SCN_MIX_NR, SCN_MIX_PATH, SCN_MIX_TP } from "../layout";
import { local_irq_disable, local_irq_enable } from "../irqflags";
import { cpu_reg_read_u64, cpu_reg_write_u64, emulator_read_u32 } from "../primitives";
import { rcu_note_context_switch } from "../rcu/tree_qs";
import { torture_random } from "../torture/random";
import { irq_poll } from "./irq_delivery";
import { TEV_PATH_BEGIN, TEV_PATH_END, trace_event, trace_nesting } from "../tracepoint/trace_events";
import { tracepoint } from "../tracepoint/tracepoint";
import {
  PATH_IDLE_V5_6, PATH_IRQ_FROM_TASK_V5_6, PATH_IRQ_FROM_TASK_V5_8, PATH_IRQ_FROM_USER_V5_6, PATH_IRQ_FROM_USER_V5_8,
  PATH_IRQ_OFF_ON_V5_6, PATH_IRQ_OFF_ON_V5_8, PATH_NMI_V5_6, PATH_SCHED_POINT, PATH_SYSCALL_V5_6, PATH_SYSCALL_V5_8, PATH_TRACEPOINT,
} from "./path_ids";
import { irq_from_task_v5_6, irq_from_task_v5_8, irq_from_user_v5_6, irq_from_user_v5_8 } from "./entry_irq";
import { idle_loop_v5_6 } from "./idle_loop";
import { nmi_v5_6 } from "./entry_nmi";
import { syscall_enter_v5_6, syscall_enter_v5_8, syscall_exit_v5_6, syscall_exit_v5_8 } from "./entry_syscall";
import {
  trace_hardirqs_off_v5_6, trace_hardirqs_off_v5_8, trace_hardirqs_on_v5_6, trace_hardirqs_on_v5_8, trace_irq_rcuidle,
} from "./trace_preemptirq";


/**
 * local_irq_disable()/local_irq_enable() (include/linux/irqflags.h, CONFIG_TRACE_IRQFLAGS,
 * v5.6 and v5.8): `do { raw_local_irq_disable(); trace_hardirqs_off(); } while (0)` and
 * `do { trace_hardirqs_on(); raw_local_irq_enable(); } while (0)`.
 */
@inline function irq_off_on_v5_6(id: u32): void {
  local_irq_disable();
  trace_hardirqs_off_v5_6(id);
  trace_hardirqs_on_v5_6(id);
  local_irq_enable();
}

@inline function irq_off_on_v5_8(id: u32): void {
  local_irq_disable();
  trace_hardirqs_off_v5_8(id);
  trace_hardirqs_on_v5_8(id);
  local_irq_enable();
}

/** Run path `p` from the home state and back to it. */
@inline function run_path(p: u32, id: u32, nohz_full: u32): void {
  switch (p) {
    case PATH_SYSCALL_V5_6: syscall_exit_v5_6(id, nohz_full); syscall_enter_v5_6(id, nohz_full); break;
    case PATH_SYSCALL_V5_8: syscall_exit_v5_8(id, nohz_full); syscall_enter_v5_8(id, nohz_full); break;
    case PATH_IRQ_OFF_ON_V5_6: irq_off_on_v5_6(id); break;
    case PATH_IRQ_OFF_ON_V5_8: irq_off_on_v5_8(id); break;
    case PATH_SCHED_POINT: rcu_note_context_switch(); break;
    case PATH_TRACEPOINT: trace_irq_rcuidle(tracepoint(id), false); break;
    case PATH_IRQ_FROM_TASK_V5_6: irq_from_task_v5_6(id, 0); break;
    case PATH_IRQ_FROM_TASK_V5_8: irq_from_task_v5_8(id, 0); break;
    case PATH_IRQ_FROM_USER_V5_6: syscall_exit_v5_6(id, nohz_full); irq_from_user_v5_6(id, nohz_full, 0); syscall_enter_v5_6(id, nohz_full); break;
    case PATH_IRQ_FROM_USER_V5_8: syscall_exit_v5_8(id, nohz_full); irq_from_user_v5_8(id, nohz_full, 0); syscall_enter_v5_8(id, nohz_full); break;
    case PATH_IDLE_V5_6: idle_loop_v5_6(id, id, 0); break;
    case PATH_NMI_V5_6: nmi_v5_6(id); break;
    default: break;
  }
}

/** The entry of the mix that the draw `r` picks: the first whose cumulative weight exceeds r. */
@inline function pick(r: u32, nr: u32): u32 {
  let k: u32 = 0;
  while (k + 1 < nr && r >= emulator_read_u32(SCN_MIX_CUM + (k << 2))) k++;
  return emulator_read_u32(SCN_MIX_PATH + (k << 2));
}

/**
 * `n` paths drawn from the mix; returns n. The caller seeded torture_random (torture_random_init)
 * and wrote the mix. In the tracing build each path is a slice with the nesting counters after it.
 */
export function path_mix(n: u32): u32 {
  const nr = emulator_read_u32(SCN_MIX_NR);
  const tp = emulator_read_u32(SCN_MIX_TP);
  const id = tp < NR_TRACEPOINTS ? tp : 0;
  const nohz_full = emulator_read_u32(SCN_MIX_NOHZ_FULL);
  if (nr == 0) return 0;
  for (let i: u32 = 0; i < n; i++) {
    const p = pick(torture_random(), nr);
    trace_event(TEV_PATH_BEGIN, p);
    run_path(p, id, nohz_full);
    trace_event(TEV_PATH_END, p);
    trace_nesting();
    const slot = PCPU_PATH_COUNTS + ((p & (NR_MIX_PATHS - 1)) << 3);
    cpu_reg_write_u64(slot, cpu_reg_read_u64(slot) + 1);
    irq_poll(); // back home, interrupts on: a pending interrupt (the scenario's schedule) is taken here
  }
  return n;
}
