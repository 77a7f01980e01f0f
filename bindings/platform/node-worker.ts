// Entry point of a worker thread under Node: a CPU or the grace-period kthread. An entry
// point, not a library: it is the one file in platform/ that imports worker/.
import { parentPort, workerData } from "node:worker_threads";
import { bootCpu } from "../worker/cpu.js";
import { bootGpKthread } from "../worker/gp-kthread.js";
import type { ContextInit } from "./types.js";

try {
  const init = workerData as ContextInit;
  const { run } = init.role === "kthread" ? bootGpKthread(init) : bootCpu(init);
  parentPort!.postMessage({ type: "ready" });
  run();
  parentPort!.close();
} catch (e) {
  parentPort!.postMessage({ type: "fatal", message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
}
