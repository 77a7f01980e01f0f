// The Node platform: worker_threads for CPUs, the .wasm from build/, TurboFan only.
import fs from "node:fs/promises";
import os from "node:os";
import v8 from "node:v8";
import { Worker } from "node:worker_threads";
import type { Build, ContextInit, CpuWorkerHandle, Platform } from "./types.js";
import { workerLife } from "./worker-life.js";

const BUILD_FILES: Record<Build, string> = {
  release: "../../../build/rcu-lab.wasm",
  counting: "../../../build/rcu-lab.counting.wasm",
  tracing: "../../../build/rcu-lab.tracing.wasm",
  stepping: "../../../build/rcu-lab.stepping.wasm",
};

let engineReady = false;

/**
 * Options that say how to read the main script (-e, -p, --input-type, ...) -> whether the
 * next argument is their value. A worker runs a file, and Node refuses these with a file
 * ("--input-type can only be used with string input"): inherited, they kill every CPU
 * worker of a machine made from `node --input-type=module -e ...`.
 */
const SCRIPT_INPUT = new Map<string, boolean>([
  ["-e", true], ["--eval", true], ["-p", true], ["--print", true], ["-pe", true], ["--input-type", true],
  ["-i", false], ["--interactive", false], ["-c", false], ["--check", false], ["--test", false], ["--watch", false],
]);

/** The parent's Node options minus the script-input ones (and the value given after one). */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i], name = a.split("=")[0];
    if (!SCRIPT_INPUT.has(name)) out.push(a);
    else if (SCRIPT_INPUT.get(name) && !a.includes("=")) i++;
  }
  return out;
}

/**
 * A worker on `url`. It inherits the parent's options unless some of them are script-input
 * ones; then it gets the others, minus those Node refuses in a worker's execArgv (V8 and
 * per-process options such as --max-old-space-size, which apply to the whole process anyway).
 */
function newWorker(url: URL, workerData: ContextInit): Worker {
  let execArgv = workerExecArgv(process.execArgv);
  if (execArgv.length === process.execArgv.length) return new Worker(url, { workerData });
  for (;;) {
    try {
      return new Worker(url, { workerData, execArgv });
    } catch (e) {
      const refused = (e as { code?: string }).code === "ERR_WORKER_INVALID_EXEC_ARGV" ? /flags: (.*)$/.exec((e as Error).message)?.[1].split(", ") : undefined;
      const left = refused ? execArgv.filter((a) => !refused.includes(a)) : execArgv;
      if (left.length === execArgv.length) throw e;
      execArgv = left;
    }
  }
}

export const nodePlatform: Platform = {
  name: "node",

  /**
   * Node 20's baseline compiler (Liftoff) clobbers registers after memory.atomic.wait.
   * The module never waits (the build check rejects it), and on top of that every
   * module is compiled by TurboFan only. The flag is process-wide, workers included,
   * and must be set before the first compilation.
   */
  prepareEngine() {
    if (engineReady) return;
    v8.setFlagsFromString("--no-liftoff");
    engineReady = true;
  },

  async loadWasm(build) {
    const url = new URL(BUILD_FILES[build], import.meta.url);
    try {
      return new Uint8Array(await fs.readFile(url));
    } catch (e) {
      throw new Error(`cannot read the ${build} build at ${url.pathname} (${(e as Error).message}); run npm run build`);
    }
  },

  /** RCU_LAB_PERCPU=generic: every CPU runs the release module (to measure what the template changes). */
  async loadPercpuTemplate() {
    if (process.env.RCU_LAB_PERCPU === "generic") return undefined;
    const url = new URL("../../../build/rcu-lab.percpu.wasm", import.meta.url);
    try {
      return new Uint8Array(await fs.readFile(url));
    } catch (e) {
      throw new Error(`cannot read the per-CPU template at ${url.pathname} (${(e as Error).message}); run npm run build, or set RCU_LAB_PERCPU=generic`);
    }
  },

  startContext(init: ContextInit): CpuWorkerHandle {
    const worker = newWorker(new URL("./node-worker.js", import.meta.url), init);
    const { who, ready, readyNow, die, onDeath } = workerLife(init);
    worker.on("message", (m: { type: string; message?: string }) => {
      if (m.type === "ready") readyNow();
      else if (m.type === "fatal") die(`${who} worker failed: ${m.message}`);
    });
    worker.on("error", (e) => die(`${who} worker threw: ${e.message}`));
    worker.on("exit", (code) => die(`${who} worker exited (code ${code})`));
    // An idle machine does not keep the process alive: a script that forgets close() still
    // exits. Every host wait (a command in flight, a grace period, start-up) holds the event
    // loop itself (abi/futex.ts holdEventLoop), so nothing pending is cut short. After the
    // listeners: adding a 'message' listener refs the worker's port again.
    worker.unref();
    let terminated: Promise<void> | undefined;
    return {
      ready,
      onDeath,
      terminate() {
        terminated ??= worker.terminate().then(() => undefined);
        return terminated;
      },
    };
  },

  cores() {
    return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  },
};
