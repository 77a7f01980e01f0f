// Waiting for a condition that another thread makes true and signals on a futex word.
// Worker threads block (Atomics.wait); the host never blocks (Atomics.waitAsync). Both
// spin briefly first, then sleep, and both give up at a deadline.

const SPINS = 200;

/** Worker side: block until done(), sleeping on i32[index] between checks. */
export function waitBlocking(i32: Int32Array, index: number, done: () => boolean, deadlineMs: number, onTimeout: () => Error): void {
  const deadline = Date.now() + deadlineMs;
  for (let spins = 0; !done(); spins++) {
    const v = Atomics.load(i32, index);
    if (done()) return;
    if (spins < SPINS) continue;
    const left = deadline - Date.now();
    if (left <= 0) throw onTimeout();
    Atomics.wait(i32, index, v, Math.min(left, 10));
  }
}

/** Worker side: sleep `ms` (Atomics.wait on i32[index], again after any wake-up until the time is over). */
export function sleepBlocking(i32: Int32Array, index: number, ms: number): void {
  const end = Date.now() + ms;
  for (let left = ms; left > 0; left = end - Date.now()) Atomics.wait(i32, index, Atomics.load(i32, index), left);
}

/** Host side: resolve when done(), waiting asynchronously on i32[index]. */
export async function waitAsync(i32: Int32Array, index: number, done: () => boolean, deadlineMs: number, onTimeout: () => Error, alive: () => string | undefined = () => undefined): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!done()) {
    const v = Atomics.load(i32, index);
    if (done()) return;
    const dead = alive();
    if (dead) throw new Error(dead);
    const left = deadline - Date.now();
    if (left <= 0) throw onTimeout();
    const w = Atomics.waitAsync(i32, index, v, Math.min(left, 50));
    if (w.async) await w.value;
  }
}

/**
 * Let the event loop run (timers, Atomics.waitAsync resolutions) before going on: a task,
 * not a microtask. setImmediate where there is one (Node), a MessageChannel otherwise.
 */
export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (cb: () => void) => void };
  if (g.setImmediate) return new Promise((r) => g.setImmediate!(r));
  return new Promise((r) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => (ch.port1.close(), r());
    ch.port2.postMessage(0);
  });
}
