// The host's RCU API, one flavor table for tree RCU, SRCU and SRCU-fast (as liburcu's
// rcu_flavor_struct; the module's side is assembly/rcu/flavor.ts): synchronize(),
// synchronize({ expedited }), call() with a JavaScript callback, and the polled API
// (start_poll_synchronize_*, poll_state_synchronize_*), each written once for a
// grace-period domain. Every request runs the module's kernel code in the host's own
// context; only the waiting is JavaScript, and it never blocks the host's thread.
import { nowUs } from "../abi/clock.js";
import { waitAsync } from "../abi/futex.js";
import type { KernelHost } from "./host.js";

export type SrcuFlavor = "srcu" | "srcu-fast";
export type RcuFlavorName = "rcu" | SrcuFlavor;

export interface GpOptions {
  expedited?: boolean;
  deadlineMs?: number;
}

/** A grace period that did not complete before its deadline. */
export class GracePeriodTimeoutError extends Error {
  constructor(what: string, readonly deadlineMs: number, detail: string) {
    super(`${what} did not complete within ${deadlineMs} ms: ${detail}`);
    this.name = "GracePeriodTimeoutError";
  }
}

/** One grace-period domain: tree RCU or an srcu_struct. */
export abstract class RcuFlavor {
  private callbacks: { cookie: number; fn: () => void; resolve: () => void; reject: (e: Error) => void }[] = [];
  private pumping = false;

  protected constructor(
    protected readonly host: KernelHost,
    /** "rcu", or the srcu_struct's name. */
    readonly name: string,
    readonly flavor: RcuFlavorName,
    /** The module's grace-period domain (assembly/rcu/flavor.ts). */
    readonly domain: number,
  ) {}

  /** The kernel's names, for messages: "synchronize_rcu" or "synchronize_srcu". */
  protected abstract readonly api: "rcu" | "srcu";
  /** What a grace period that does not end is still waiting for (`domain`: the one waited on). */
  protected abstract pending(cookie: number, domain: number): string;

  /** "synchronize_rcu_expedited()", "call_srcu(&tracepoint_srcu)", ... */
  private what(op: string, suffix = ""): string {
    return this.api === "rcu" ? `${op}_rcu${suffix}()` : `${op}_srcu${suffix}(&${this.name})`;
  }

  /** The grace-period sequence: grace periods completed = gpSeq >> RCU_SEQ_CTR_SHIFT. */
  get gpSeq(): number {
    this.host.open(`${this.name}: gpSeq`);
    return Atomics.load(this.host.i32, this.host.exports.gp_seq_word(this.domain) >> 2) >>> 0;
  }

  /** Whether a grace period is in progress (the sequence's state bits). */
  get gpInProgress(): boolean {
    this.host.open(`${this.name}: gpInProgress`);
    return (this.gpSeq & this.host.layout.RCU_SEQ_STATE_MASK) !== 0;
  }

  /** start_poll_synchronize_*(): ask for a grace period; returns the cookie for pollState(). */
  startPoll(): number {
    this.host.check(this.what("start_poll_synchronize"));
    return this.host.exports.gp_start_poll(this.domain, this.host.layout.GP_REQ_NORMAL, nowUs()) >>> 0;
  }

  /** poll_state_synchronize_*(cookie): whether that grace period has completed. */
  pollState(cookie: number): boolean {
    this.host.open(this.what("poll_state_synchronize"));
    return this.host.exports.gp_poll_state(this.domain, cookie) === 1;
  }

  /** synchronize_*() (or _expedited) from the host: resolves after a full grace period. */
  async synchronize(o: GpOptions = {}): Promise<void> {
    const what = this.what("synchronize", o.expedited ? "_expedited" : "");
    this.host.check(what);
    const L = this.host.layout, x = this.host.exports;
    const mode = o.expedited ? L.GP_REQ_EXPEDITED : L.GP_REQ_SYNC;
    // synchronize_rcu_expedited() runs on its own sequence (assembly/rcu/tree_exp.ts).
    const domain = x.gp_wait_domain(this.domain, mode) >>> 0;
    const cookie = x.gp_start_poll(domain, mode, nowUs()) >>> 0;
    const deadlineMs = o.deadlineMs ?? this.host.deadlineMs;
    await this.wait(cookie, deadlineMs, () => new GracePeriodTimeoutError(what, deadlineMs, this.pending(cookie, domain)), domain);
  }

  /** call_rcu() / call_srcu() with a JavaScript callback: runs after a grace period, in call order. */
  call(fn: () => void): Promise<void> {
    this.host.check(this.what("call"));
    const cookie = this.host.exports.gp_start_poll(this.domain, this.host.layout.GP_REQ_NORMAL, nowUs()) >>> 0;
    return new Promise<void>((resolve, reject) => {
      this.callbacks.push({ cookie, fn, resolve, reject });
      if (!this.pumping) void this.pump();
    });
  }

  private wait(cookie: number, deadlineMs: number, onTimeout: () => Error, domain = this.domain): Promise<void> {
    const x = this.host.exports;
    const word = x.gp_seq_word(domain) >> 2;
    return waitAsync(this.host.i32, word, () => x.gp_poll_state(domain, cookie) === 1, deadlineMs, onTimeout, () => this.host.broken());
  }

  /** Runs the JavaScript callbacks in queue order once their grace period is done. */
  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.callbacks.length) {
        const head = this.callbacks[0];
        const deadlineMs = this.host.deadlineMs;
        try {
          await this.wait(head.cookie, deadlineMs, () => new GracePeriodTimeoutError(this.what("call"), deadlineMs, "the callback was not invoked"));
        } catch (e) {
          for (const q of this.callbacks.splice(0)) q.reject(e as Error);
          return;
        }
        this.callbacks.shift();
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

/** Tree RCU (kernel/rcu/tree.c): rcu_state and its grace periods. */
export class Rcu extends RcuFlavor {
  protected readonly api = "rcu";

  constructor(host: KernelHost) {
    super(host, "rcu", "rcu", host.layout.GP_DOMAIN_RCU);
  }

  /** CPUs the grace period in progress still waits for (rcu_node qsmask as CPU ids). */
  waitingFor(): number[] {
    this.host.open("rcu.waitingFor");
    const L = this.host.layout;
    const lo = Atomics.load(this.host.i32, (L.RCU_GP_PRIV + L.GP_PRIV_QSMASK) >> 2) >>> 0;
    const hi = Atomics.load(this.host.i32, (L.RCU_GP_PRIV + L.GP_PRIV_QSMASK + 4) >> 2) >>> 0;
    const out: number[] = [];
    for (let b = 0; b < 64; b++) if ((b < 32 ? lo >>> b : hi >>> (b - 32)) & 1) out.push(b);
    return this.gpInProgress ? out : [];
  }

  /** CPUs the expedited grace period in progress still waits for (the root's expmask as CPU ids). */
  expWaitingFor(): number[] {
    this.host.open("rcu.expWaitingFor");
    const L = this.host.layout;
    const lo = Atomics.load(this.host.i32, L.RCU_EXP_MASK >> 2) >>> 0;
    const hi = Atomics.load(this.host.i32, (L.RCU_EXP_MASK + 4) >> 2) >>> 0;
    const out: number[] = [];
    for (let b = 0; b < 64; b++) if ((b < 32 ? lo >>> b : hi >>> (b - 32)) & 1) out.push(b);
    return out;
  }

  /** Expedited grace periods completed, and IPIs sent for them (assembly/rcu/tree_exp.ts). */
  get expStats(): { completed: number; ipis: number; notIpid: number } {
    this.host.open("rcu.expStats");
    const L = this.host.layout, dv = new DataView(this.host.i32.buffer);
    const u64 = (off: number) => Number(dv.getBigUint64(L.RCU_EXP_PRIV + off, true));
    return { completed: u64(L.EXP_PRIV_COMPLETED), ipis: u64(L.EXP_PRIV_IPIS), notIpid: u64(L.EXP_PRIV_SKIPPED) };
  }

  protected pending(cookie: number, domain: number): string {
    if (domain !== this.domain) {
      const seq = Atomics.load(this.host.i32, this.host.exports.gp_seq_word(domain) >> 2) >>> 0;
      return `expedited_sequence ${seq} has not reached ${cookie}; CPUs that have not answered rcu_exp_handler()'s IPI with a quiescent state: [${this.expWaitingFor().join(", ")}]`;
    }
    return `gp_seq ${this.gpSeq} has not reached ${cookie}; CPUs that still owe a quiescent state: [${this.waitingFor().join(", ")}]`;
  }
}

/** An srcu_struct (kernel/rcu/srcutree.c), SRCU or SRCU-fast. */
export class SrcuStruct extends RcuFlavor {
  protected readonly api = "srcu";

  constructor(host: KernelHost, readonly index: number, name: string, flavor: SrcuFlavor) {
    super(host, name, flavor, host.layout.GP_DOMAIN_SRCU_BASE + index);
  }

  protected pending(cookie: number, _domain: number): string {
    return `srcu_gp_seq ${this.gpSeq} has not reached ${cookie} (readers still hold the old index)`;
  }
}
