// The emulated per-CPU timer that raises the scheduling-clock tick at HZ (the local APIC
// timer in periodic mode, kernel/time/tick-common.c / tick-sched.c, v5.6): hardware, stepped
// by the grace-period kthread's worker with the emulation's clock. It sets the timer vector
// in the pending-interrupt word of each CPU whose schedule is IRQ_SCHED_TICK; the CPU takes
// it at its next interrupt-enabled point (irq_delivery.ts do_IRQ: rcu_sched_clock_irq()).
// NO_HZ: a CPU in an extended quiescent state (idle, or nohz_full user mode) has its tick
// stopped (tick_nohz_idle_stop_tick / tick_nohz_full): no tick is raised for it.
// Emulator work: nothing here is counted.
import { HDR_NR_CPUS, IRQ_CFG_ARG, IRQ_CFG_MODE, IRQ_CFG_NEXT_TICK_US, PCPU_IRQ_CFG, PCPU_RCU_DYNTICKS } from "../layout";
import { per_cpu_ptr } from "../percpu";
import { emulator_read_u32 } from "../primitives";
import { RCU_DYNTICK_CTRL_CTR } from "../rcu/dynticks";
import { IRQ_SCHED_TICK } from "./irq_delivery";
import { IRQ_VEC_TIMER, irq_raise } from "./smp";

/**
 * Fire every tick that is due at `now_us`. Returns the time until the next one is due (us),
 * or -1 when no CPU has a tick schedule.
 */
export function irq_timer_step(now_us: f64): f64 {
  const n = emulator_read_u32(HDR_NR_CPUS);
  let next: f64 = -1;
  for (let cpu: u32 = 0; cpu < n; cpu++) {
    const cfg = per_cpu_ptr(PCPU_IRQ_CFG, cpu);
    if (emulator_read_u32(cfg + IRQ_CFG_MODE) != IRQ_SCHED_TICK) continue;
    const period: f64 = 1e6 / <f64>load<u32>(cfg + IRQ_CFG_ARG);
    let t = load<f64>(cfg + IRQ_CFG_NEXT_TICK_US);
    if (t == 0) {
      t = now_us + period; // armed now: the first tick one period later
    } else if (now_us >= t) {
      const watching = (emulator_read_u32(per_cpu_ptr(PCPU_RCU_DYNTICKS, cpu)) & RCU_DYNTICK_CTRL_CTR) != 0;
      if (watching) irq_raise(cpu, IRQ_VEC_TIMER);
      t += period;
      if (t <= now_us) t = now_us + period; // ticks missed while the host did not run us are lost, as a late timer's are
    }
    store<f64>(cfg + IRQ_CFG_NEXT_TICK_US, t);
    const d = t - now_us;
    next = next < 0 ? d : min(next, d);
  }
  return next;
}
