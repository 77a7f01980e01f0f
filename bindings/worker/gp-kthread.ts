// The grace-period kthread's worker (rcu_gp_kthread, the SRCU workqueue, the callback
// invoker) and the emulated per-CPU timers of the tick schedule. Its JavaScript steps the module's gp_kthread_step() and sleeps on the
// RCU_GP_WAKE futex word for as long as the step allows: it spins only for waits shorter
// than SPIN_BELOW_US, and never longer than SPIN_BUDGET_US in a row. Its mailbox takes
// only CMD_EXIT (abi/mailbox.ts takeExit).
import { nowUs } from "../abi/clock.js";
import { memoryViews, takeExit } from "../abi/mailbox.js";
import type { ContextInit } from "../platform/types.js";
import { bootContext } from "./boot.js";

const SPIN_BELOW_US = 50;
const SPIN_BUDGET_US = 1000;
const IDLE_SLEEP_MS = 50;
const MIN_SLEEP_MS = 0.1;

export function bootGpKthread(init: ContextInit): { run: () => void } {
  const { layout, exports } = bootContext(init);
  const views = memoryViews(init.memory, layout);
  const i32 = views.i32;
  const wakeIdx = layout.RCU_GP_WAKE >> 2;

  function run(): void {
    let spunSince = -1;
    for (;;) {
      if (takeExit(views, init.cpu)) return;
      const wake = Atomics.load(i32, wakeIdx);
      const now = nowUs();
      let sleepUs = exports.gp_kthread_step(now);
      // The emulated per-CPU timers (assembly/kernel/clockevents.ts): raise due ticks.
      const tickUs = exports.irq_timer_step(now);
      if (tickUs >= 0) sleepUs = sleepUs < 0 ? tickUs : Math.min(sleepUs, tickUs);
      if (sleepUs === 0) continue;
      if (sleepUs > 0 && sleepUs < SPIN_BELOW_US) {
        if (spunSince < 0) spunSince = now;
        if (now - spunSince < SPIN_BUDGET_US) continue; // brief spin: udelay()-sized waits
      }
      spunSince = -1;
      const ms = sleepUs < 0 ? IDLE_SLEEP_MS : Math.max(MIN_SLEEP_MS, sleepUs / 1000);
      Atomics.wait(i32, wakeIdx, wake, ms);
    }
  }
  return { run };
}
