// Entry point of a CPU worker thread under Node.
import { parentPort, workerData } from "node:worker_threads";
import { bootCpu } from "../cpu.js";
import type { CpuInit } from "./types.js";

try {
  const { run } = bootCpu(workerData as CpuInit);
  parentPort!.postMessage({ type: "ready" });
  run();
  parentPort!.close();
} catch (e) {
  parentPort!.postMessage({ type: "fatal", message: e instanceof Error ? e.message : String(e) });
}
