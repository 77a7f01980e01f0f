// A context worker's life as the machine sees it, the same on every platform: `ready` when
// it has entered its command loop, one death (the first reason wins; `ready` rejects with
// it if it comes first), and the death callback, called at once if registered after.
import type { ContextInit, CpuWorkerHandle } from "./types.js";

export interface WorkerLife {
  /** Who the worker is, for messages: "CPU 1" or "the grace-period kthread". */
  readonly who: string;
  readonly ready: Promise<void>;
  /** The worker reported that it entered its command loop. */
  readyNow(): void;
  /** The worker died (once; later calls are ignored). */
  die(reason: string): void;
  readonly onDeath: CpuWorkerHandle["onDeath"];
}

export function workerLife(init: ContextInit): WorkerLife {
  let deathCb: ((reason: string) => void) | undefined;
  let dead: string | undefined;
  let readyResolve!: () => void, readyReject!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => ((readyResolve = res), (readyReject = rej)));
  ready.catch(() => {}); // the machine awaits it; a death before anyone does is not unhandled
  return {
    who: init.role === "cpu" ? `CPU ${init.cpu}` : "the grace-period kthread",
    ready,
    readyNow: () => readyResolve(),
    die(reason) {
      if (dead !== undefined) return;
      dead = reason;
      readyReject(new Error(reason));
      deathCb?.(reason);
    },
    onDeath(cb) {
      deathCb = cb;
      if (dead !== undefined) cb(dead);
    },
  };
}
