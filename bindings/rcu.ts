// The host's RCU API: synchronize_rcu(), synchronize_rcu_expedited() and call_rcu() for
// JavaScript callbacks, and the same for each srcu_struct. The host has its own module
// instance (a context that is not a CPU), so every request runs the module's kernel code
// (the sequence snapshots and the wake-up); only the waiting is JavaScript, and it never
// blocks the host's thread.
import { nowUs } from "./clock.js";
import type { Layout } from "./layout.js";
import { waitAsync } from "./wait.js";

type Fn = (...a: number[]) => number;

/** srcu_gp_request() modes (assembly/rcu/srcutree.ts). */
const SRCU_REQ_SYNC = 0, SRCU_REQ_EXPEDITED = 1, SRCU_REQ_NORMAL = 2;

/** What the RCU API needs from its machine. */
export interface RcuHostContext {
  readonly exports: Record<string, Fn>;
  readonly i32: Int32Array;
  readonly layout: Layout;
  readonly deadlineMs: number;
  /** Throws if the machine cannot serve a request (closed, kthread dead). */
  check(what: string): void;
  /** Why grace periods cannot complete (kthread dead), if so. */
  broken(): string | undefined;
}

export interface GpOptions {
  expedited?: boolean;
  deadlineMs?: number;
}

/** A grace period that did not complete before its deadline. */
export class GracePeriodTimeoutError extends Error {
  constructor(what: string, deadlineMs: number, detail: string) {
    super(`${what} did not complete within ${deadlineMs} ms: ${detail}`);
    this.name = "GracePeriodTimeoutError";
  }
}

/** Runs JavaScript callbacks in queue order once their grace period is done. */
class HostCallbacks {
  private queue: { done: () => boolean; fn: () => void; resolve: () => void; reject: (e: Error) => void }[] = [];
  private pumping = false;

  constructor(private readonly c: RcuHostContext, private readonly word: number, private readonly what: string) {}

  add(done: () => boolean, fn: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ done, fn, resolve, reject });
      if (!this.pumping) void this.pump();
    });
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.queue.length) {
        const head = this.queue[0];
        try {
          await waitAsync(this.c.i32, this.word >> 2, head.done, this.c.deadlineMs,
            () => new GracePeriodTimeoutError(this.what, this.c.deadlineMs, "the callback was not invoked"), () => this.c.broken());
        } catch (e) {
          for (const q of this.queue.splice(0)) q.reject(e as Error);
          return;
        }
        this.queue.shift();
        try {
          head.fn();
          head.resolve();
        } catch (e) {
          head.reject(e as Error);
        }
      }
    } finally {
      this.pumping = false;
    }
  }
}

export class Rcu {
  private readonly callbacks: HostCallbacks;

  constructor(private readonly c: RcuHostContext) {
    this.callbacks = new HostCallbacks(c, c.layout.RCU_GP_SEQ, "call_rcu()");
  }

  /** rcu_state.gp_seq: grace periods completed = gpSeq >> 2; low bits set while one runs. */
  get gpSeq(): number {
    return Atomics.load(this.c.i32, this.c.layout.RCU_GP_SEQ >> 2) >>> 0;
  }

  /** CPUs the grace period in progress still waits for (bit mask as an array of CPU ids). */
  waitingFor(): number[] {
    const L = this.c.layout;
    const lo = Atomics.load(this.c.i32, (L.RCU_GP_PRIV + L.GP_PRIV_QSMASK) >> 2) >>> 0;
    const hi = Atomics.load(this.c.i32, (L.RCU_GP_PRIV + L.GP_PRIV_QSMASK + 4) >> 2) >>> 0;
    const out: number[] = [];
    for (let b = 0; b < 64; b++) if ((b < 32 ? lo >>> b : hi >>> (b - 32)) & 1) out.push(b);
    return this.gpSeq & 3 ? out : [];
  }

  /** synchronize_rcu() (or _expedited) from the host: resolves after a full grace period. */
  async synchronize(o: GpOptions = {}): Promise<void> {
    const what = o.expedited ? "synchronize_rcu_expedited()" : "synchronize_rcu()";
    this.c.check(what);
    const x = this.c.exports;
    const s = x.rcu_gp_request(o.expedited ? 1 : 0);
    const deadlineMs = o.deadlineMs ?? this.c.deadlineMs;
    await waitAsync(this.c.i32, this.c.layout.RCU_GP_SEQ >> 2, () => x.rcu_gp_done(s) === 1, deadlineMs,
      () => new GracePeriodTimeoutError(what, deadlineMs, `gp_seq ${this.gpSeq} has not reached ${s >>> 0}; CPUs that still owe a quiescent state: [${this.waitingFor().join(", ")}]`),
      () => this.c.broken());
  }

  /** call_rcu() with a JavaScript callback: runs after a grace period, in call order. */
  callRcu(fn: () => void): Promise<void> {
    this.c.check("call_rcu()");
    const x = this.c.exports;
    const s = x.rcu_gp_request(0);
    return this.callbacks.add(() => x.rcu_gp_done(s) === 1, fn);
  }
}

export type SrcuFlavor = "srcu" | "srcu-fast";

export class SrcuStruct {
  private readonly callbacks: HostCallbacks;

  constructor(private readonly c: RcuHostContext, readonly index: number, readonly name: string, readonly flavor: SrcuFlavor) {
    this.callbacks = new HostCallbacks(c, this.gpSeqAddr, `call_srcu(&${name})`);
  }

  private get gpSeqAddr(): number {
    const L = this.c.layout;
    return L.SRCU_BASE + this.index * L.SRCU_STRIDE + L.SRCU_GP_SEQ;
  }

  get gpSeq(): number {
    return Atomics.load(this.c.i32, this.gpSeqAddr >> 2) >>> 0;
  }

  /** synchronize_srcu() (auto-expedited when srcu_might_be_idle()) or _expedited. */
  async synchronize(o: GpOptions = {}): Promise<void> {
    const what = `${o.expedited ? "synchronize_srcu_expedited" : "synchronize_srcu"}(&${this.name})`;
    this.c.check(what);
    const x = this.c.exports;
    const s = x.srcu_gp_request(this.index, o.expedited ? SRCU_REQ_EXPEDITED : SRCU_REQ_SYNC, nowUs());
    const deadlineMs = o.deadlineMs ?? this.c.deadlineMs;
    await waitAsync(this.c.i32, this.gpSeqAddr >> 2, () => x.srcu_gp_done(this.index, s) === 1, deadlineMs,
      () => new GracePeriodTimeoutError(what, deadlineMs, `srcu_gp_seq ${this.gpSeq} has not reached ${s >>> 0} (readers still hold the old index)`),
      () => this.c.broken());
  }

  callSrcu(fn: () => void): Promise<void> {
    this.c.check(`call_srcu(&${this.name})`);
    const x = this.c.exports;
    const s = x.srcu_gp_request(this.index, SRCU_REQ_NORMAL, nowUs());
    return this.callbacks.add(() => x.srcu_gp_done(this.index, s) === 1, fn);
  }
}
