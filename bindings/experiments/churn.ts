// The bench's concurrent updater (rcu-lab bench --churn): while a figure is measured, the
// host keeps registering and unregistering an extra probe on the measured tracepoint, so
// that each update publishes a new probe array and releases the old one through the grace
// periods.
import { yieldToEventLoop } from "../abi/futex.js";
import type { Machine } from "../machine/machine.js";

/** Register/unregister an extra probe on tracepoint `tpId` until stop() is awaited. */
export function startChurn(m: Machine, tpId: number): { stop: () => Promise<number> } {
  const tps = m.tracepoints, tp = tps.byId(tpId);
  let running = true;
  let updates = 0;
  const loop = (async () => {
    for (let k = 0; running; k++) {
      await tps.retryWhileArenaFull(() => tp.register("count", 0x10000 + k));
      await tps.retryWhileArenaFull(() => tp.unregister("count", 0x10000 + k));
      updates += 2;
      await yieldToEventLoop();
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return updates;
    },
  };
}
