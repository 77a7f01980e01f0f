// Waiting for a condition that another thread makes true and signals on a futex word.
// Worker threads block (Atomics.wait); the host never blocks (Atomics.waitAsync). Both
// spin briefly first, then sleep, and both give up at a deadline.

const SPINS = 200;

/**
 * Keep the host's event loop alive while a wait is pending. A pending Atomics.waitAsync does
 * not (Node exits with status 13 under an unsettled await), and the platform does not let
 * idle workers keep the process alive (platform/node.ts unrefs them, so that a script that
 * forgets close() still exits): so each host wait holds one shared, empty interval timer
 * until it settles. Returns the release function (idempotent).
 */
let holders = 0;
let holdTimer: ReturnType<typeof setInterval> | undefined;
export function holdEventLoop(): () => void {
  if (holders++ === 0) holdTimer = setInterval(() => {}, 1 << 30);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders === 0) clearInterval(holdTimer);
  };
}

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
  const release = holdEventLoop();
  try {
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
  } finally {
    release();
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
