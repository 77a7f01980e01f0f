// Entry point of a worker thread under Node: a CPU or the grace-period kthread.
import { parentPort, workerData } from "node:worker_threads";
import { bootCpu } from "../cpu.js";
import { bootGpKthread } from "../gp-kthread.js";
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
