// Commands a CPU runs in its worker's JavaScript because they block: synchronize_rcu()
// and synchronize_srcu() called by code running on the CPU. Blocking never happens inside
// WebAssembly. The task sleeps, so the CPU goes idle (an extended quiescent state) until
// the grace period ends: a CPU blocked in synchronize_rcu() counts as quiescent.
import type { Layout } from "./layout.js";
import { nowUs } from "./clock.js";
import { waitBlocking } from "./wait.js";

export interface CpuCommandContext {
  readonly i32: Int32Array;
  readonly layout: Layout;
  readonly cpu: number;
  readonly exports: WebAssembly.Exports;
}

type Fn = (...a: number[]) => number;
type CpuCommand = (ctx: CpuCommandContext, args: readonly number[]) => number;

/** How long a CPU waits for a grace period before failing (the host's deadline is usually shorter). */
const GP_WAIT_MS = 120_000;

function mightSleep(ctx: CpuCommandContext, what: string): void {
  const bad = (ctx.exports.rcu_might_sleep as Fn)();
  if (bad !== 0) {
    const pc = bad & 0x7fffffff, irqsOff = bad >>> 31;
    throw new Error(
      `${what} called in atomic context (preempt_count 0x${pc.toString(16)}, interrupts ${irqsOff ? "disabled" : "enabled"}): ` +
        `it would deadlock; counted as usage error sync-in-atomic. Leave the read-side section or irq first`,
    );
  }
}

function sleepUntil(ctx: CpuCommandContext, wordAddr: number, done: () => boolean, what: string): void {
  const x = ctx.exports as Record<string, Fn>;
  x.idle_loop_enter();
  try {
    waitBlocking(ctx.i32, wordAddr >> 2, done, GP_WAIT_MS, () => new Error(`${what} did not complete within ${GP_WAIT_MS} ms`));
  } finally {
    x.idle_loop_exit();
  }
}

function srcuIndex(ctx: CpuCommandContext, ssp: number): number {
  if (!Number.isInteger(ssp) || ssp < 0 || ssp >= ctx.layout.NR_SRCU || (ctx.exports.srcu_flavor as Fn)(ssp) === 0) {
    throw new RangeError(`srcu_struct ${ssp} is not initialised: expected one created with machine.initSrcu() or 0 (tracepoint_srcu)`);
  }
  return ssp;
}

function synchronizeRcu(ctx: CpuCommandContext, expedited: boolean): number {
  const what = expedited ? "synchronize_rcu_expedited()" : "synchronize_rcu()";
  mightSleep(ctx, what);
  const x = ctx.exports as Record<string, Fn>;
  const s = x.rcu_gp_request(expedited ? 1 : 0);
  sleepUntil(ctx, ctx.layout.RCU_GP_SEQ, () => x.rcu_gp_done(s) === 1, what);
  return s;
}

function synchronizeSrcu(ctx: CpuCommandContext, ssp: number, expedited: boolean): number {
  const what = expedited ? "synchronize_srcu_expedited()" : "synchronize_srcu()";
  srcuIndex(ctx, ssp);
  mightSleep(ctx, what);
  const x = ctx.exports as Record<string, Fn>;
  const s = x.srcu_gp_request(ssp, expedited ? 1 : 0, nowUs());
  const word = ctx.layout.SRCU_BASE + ssp * ctx.layout.SRCU_STRIDE + ctx.layout.SRCU_GP_SEQ;
  sleepUntil(ctx, word, () => x.srcu_gp_done(ssp, s) === 1, what);
  return s;
}

/** Torture flavors (assembly/torture/rcutorture.ts TORTURE_*). */
const TORTURE_RCU = 0;

/**
 * rcu_torture_writer() for `durationMs`: publish a new element and retire the old one
 * (in WebAssembly), wait for a grace period of the flavor (here, blocking), then advance
 * the retired elements' pipe counts (in WebAssembly). Returns the grace periods waited for.
 */
function tortureWriter(ctx: CpuCommandContext, durationMs: number, flavor: number, ssp: number): number {
  const x = ctx.exports as Record<string, Fn>;
  const end = Date.now() + durationMs;
  let gps = 0;
  while (Date.now() < end) {
    x.torture_writer_publish();
    if (flavor === TORTURE_RCU) synchronizeRcu(ctx, false);
    else synchronizeSrcu(ctx, ssp, false);
    x.torture_writer_after_gp();
    gps++;
  }
  return gps;
}

export const CPU_COMMANDS: Record<string, CpuCommand> = {
  torture_writer: (c, [durationMs, flavor, ssp]) => tortureWriter(c, durationMs, flavor, ssp),
  synchronize_rcu: (c) => synchronizeRcu(c, false),
  synchronize_rcu_expedited: (c) => synchronizeRcu(c, true),
  synchronize_srcu: (c, [ssp]) => synchronizeSrcu(c, ssp, false),
  synchronize_srcu_expedited: (c, [ssp]) => synchronizeSrcu(c, ssp, true),
};
