// Entry point of a module Web Worker in a browser: a CPU or the grace-period kthread. The
// browser twin of node-worker.ts: the first message is the ContextInit (module and shared
// memory are cloned into the worker), then the worker blocks in its command loop
// (Atomics.wait is allowed in workers, never on a page's main thread). An entry point, not
// a library: with node-worker.ts the only files in platform/ that import worker/.
import { bootCpu } from "../worker/cpu.js";
import { bootGpKthread } from "../worker/gp-kthread.js";
import type { ContextInit } from "./types.js";

/** The parts of DedicatedWorkerGlobalScope used here (tsconfig's lib is DOM, not WebWorker). */
interface WorkerScope {
  onmessage: ((e: MessageEvent<ContextInit>) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}

const scope = globalThis as unknown as WorkerScope;
scope.onmessage = (e) => {
  scope.onmessage = null; // one init message; the command loop below never returns to the event loop
  try {
    const init = e.data;
    const { run } = init.role === "kthread" ? bootGpKthread(init) : bootCpu(init);
    scope.postMessage({ type: "ready" });
    run();
    scope.postMessage({ type: "exit" }); // browsers have no 'exit' event on a Worker: say it
    scope.close();
  } catch (err) {
    scope.postMessage({ type: "fatal", message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  }
};
