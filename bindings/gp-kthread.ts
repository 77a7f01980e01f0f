// The grace-period kthread's worker (rcu_gp_kthread, the SRCU workqueue, the callback
// invoker). Its JavaScript steps the module's gp_kthread_step() and sleeps on the
// RCU_GP_WAKE futex word for as long as the step allows: it spins only for waits shorter
// than SPIN_BELOW_US, and never longer than SPIN_BUDGET_US in a row.
import { nowUs } from "./clock.js";
import { CMD_EXIT } from "./commands.js";
import { bootContext } from "./cpu.js";
import type { ContextInit } from "./platform/types.js";

type Fn = (...a: number[]) => number;

const SPIN_BELOW_US = 50;
const SPIN_BUDGET_US = 1000;
const IDLE_SLEEP_MS = 50;
const MIN_SLEEP_MS = 0.1;

export function bootGpKthread(init: ContextInit): { run: () => void } {
  const { layout, exports } = bootContext(init);
  const i32 = new Int32Array(init.memory.buffer);
  const step = exports.gp_kthread_step as Fn;
  const mb = layout.MAILBOX_BASE + init.cpu * layout.MAILBOX_STRIDE;
  const reqIdx = (mb + layout.MB_REQ_SEQ) >> 2;
  const wakeIdx = layout.RCU_GP_WAKE >> 2;

  function exitRequested(): number | undefined {
    const seq = Atomics.load(i32, reqIdx);
    if (seq !== Atomics.load(i32, (mb + layout.MB_ACK_SEQ) >> 2) && Atomics.load(i32, (mb + layout.MB_CMD) >> 2) === CMD_EXIT) return seq;
    return undefined;
  }

  function run(): void {
    let spunSince = -1;
    for (;;) {
      const exitSeq = exitRequested();
      if (exitSeq !== undefined) {
        Atomics.store(i32, (mb + layout.MB_ACK_SEQ) >> 2, exitSeq);
        Atomics.notify(i32, (mb + layout.MB_ACK_SEQ) >> 2);
        return;
      }
      const wake = Atomics.load(i32, wakeIdx);
      const now = nowUs();
      const sleepUs = step(now);
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
