// One emulated CPU: the code a CPU worker runs. It boots its module instance (boot.ts),
// binds the command table once, then serves its mailbox (abi/mailbox.ts): it blocks in
// JavaScript (Atomics.wait), never inside WebAssembly, and calls into WebAssembly once per
// command. Between commands a CPU with nothing held runs the idle loop (rcu_idle_enter), as
// a CPU with nothing to run does; with init.idle false it stays in task context. Interrupts
// pending for the CPU are taken there and before each command.
import { memoryViews, serve } from "../abi/mailbox.js";
import type { ContextInit } from "../platform/types.js";
import { bootContext } from "./boot.js";
import { bindCommands } from "./commands.js";

/**
 * An interrupt raised for this CPU notifies its mailbox word to wake it; one that lands
 * between the poll and the wait is taken at the latest after this many ms.
 */
const IRQ_WAKE_BACKSTOP_MS = 10;

/** Boot this CPU and return its command loop (it returns after CMD_EXIT). */
export function bootCpu(init: ContextInit): { run: () => void } {
  const { layout, exports } = bootContext(init);
  const views = memoryViews(init.memory, layout);
  const execute = bindCommands(init.module, { i32: views.i32, layout, cpu: init.cpu, exports });
  let idle = false;
  const hooks = {
    beforeSleep() {
      if (init.idle && !idle && exports.idle_loop_possible() === 1) {
        exports.idle_loop_enter();
        idle = true;
      }
      // Interrupts pending for this CPU (an IPI, a tick): taken in the idle loop (from hlt)
      // or over the task that waits here (assembly/kernel/irq_delivery.ts).
      exports.irq_poll_between_commands();
    },
    afterWake() {
      if (idle) {
        exports.idle_loop_exit();
        idle = false;
      }
      exports.irq_poll_between_commands(); // the command loop's interrupt-enabled point
    },
    sleepMs: IRQ_WAKE_BACKSTOP_MS,
  };
  return { run: () => serve(views, init.cpu, execute, hooks) };
}
