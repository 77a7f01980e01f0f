// Commands a CPU runs in its worker's JavaScript because they sleep: synchronize_rcu() and
// synchronize_srcu() called by code running on the CPU, and the rcutorture writer that
// calls them. Blocking never happens inside WebAssembly. The task sleeps, so the CPU goes
// idle (an extended quiescent state) until the grace period ends: a CPU blocked in
// synchronize_rcu() counts as quiescent. One implementation for every flavor, through the
// module's flavor table (assembly/rcu/flavor.ts): a grace-period domain is tree RCU or one
// srcu_struct.
import { nowUs } from "../abi/clock.js";
import { sleepBlocking, waitBlocking } from "../abi/futex.js";
import type { Layout } from "../abi/layout.js";
import type { ArgSpec } from "../abi/wasm-signatures.js";
import type { Exports } from "./boot.js";

export interface SleepingContext {
  readonly i32: Int32Array;
  readonly layout: Layout;
  readonly exports: Exports;
}

/** A sleeping command: its declared arguments (checked by the host before posting) and its body. */
interface SleepingCommand {
  readonly args: readonly ArgSpec[];
  readonly run: (ctx: SleepingContext, args: readonly number[]) => number;
}

/** How long a CPU waits for a grace period before failing (the host's deadline is usually shorter). */
const GP_WAIT_MS = 120_000;

/** might_sleep(): refuse (counted as sync-in-atomic) where sleeping would deadlock. */
function mightSleep(ctx: SleepingContext, what: string): void {
  const bad = ctx.exports.rcu_might_sleep() >>> 0;
  if (bad !== 0) {
    const irqsOffBit = ctx.layout.MIGHT_SLEEP_IRQS_OFF >>> 0;
    const pc = (bad & ~irqsOffBit) >>> 0;
    throw new Error(
      `${what} called in atomic context (preempt_count 0x${pc.toString(16)}, interrupts ${bad & irqsOffBit ? "disabled" : "enabled"}): ` +
        `it would deadlock; counted as usage error sync-in-atomic. Leave the read-side section or irq first`,
    );
  }
}

/**
 * __synchronize_srcu()'s lockdep check: refuse (counted as sync-in-srcu-reader) when this
 * CPU's task holds a reader of the same srcu_struct, which srcu_read_lock() does without
 * disabling preemption, so that might_sleep() cannot see it.
 */
function srcuLockdepCheck(ctx: SleepingContext, ssp: number, what: string): void {
  const held = ctx.exports.srcu_sync_lockdep_check(ssp) >>> 0;
  if (held !== 0) {
    throw new Error(
      `${what} called inside this CPU's own read-side section of srcu_struct ${ssp} (${held} held): the grace period would wait for ` +
        `the caller, a deadlock; counted as usage error sync-in-srcu-reader. Unlock it first (synchronize_srcu() of another srcu_struct is legal)`,
    );
  }
}

/** The domain of srcu_struct `ssp`, after checking that it exists. */
function srcuDomain(ctx: SleepingContext, ssp: number): number {
  const domain = ctx.layout.GP_DOMAIN_SRCU_BASE + ssp;
  if (!Number.isInteger(ssp) || ssp < 0 || ssp >= ctx.layout.NR_SRCU || ctx.exports.gp_domain_valid(domain) === 0) {
    throw new RangeError(`srcu_struct ${ssp} is not initialised: expected one created with machine.initSrcu() or 0 (tracepoint_srcu)`);
  }
  return domain;
}

/** synchronize_*() of `domain`: request, go idle, sleep on the domain's sequence word until done. */
export function synchronize(ctx: SleepingContext, domain: number, expedited: boolean, what: string): number {
  mightSleep(ctx, what);
  const x = ctx.exports, L = ctx.layout;
  const mode = expedited ? L.GP_REQ_EXPEDITED : L.GP_REQ_SYNC;
  domain = x.gp_wait_domain(domain, mode) >>> 0; // synchronize_rcu_expedited(): its own sequence (assembly/rcu/tree_exp.ts)
  const cookie = x.gp_start_poll(domain, mode, nowUs());
  x.idle_loop_enter();
  try {
    // The idle CPU takes interrupts raised for it (an expedited grace period may have IPI'd
    // it before it went idle): at each wake-up of the wait, at most 10 ms apart.
    const done = () => (x.irq_poll_between_commands(), x.gp_poll_state(domain, cookie) === 1);
    x.irq_poll_between_commands(); // at once: an IPI sent between the request and the idle entry
    waitBlocking(ctx.i32, x.gp_seq_word(domain) >> 2, done, GP_WAIT_MS,
      () => new Error(`${what} did not complete within ${GP_WAIT_MS} ms`));
  } finally {
    x.idle_loop_exit();
  }
  return cookie;
}

/** synchronize_srcu*() on a CPU: __synchronize_srcu()'s lockdep check first, then might_sleep() and the wait. */
function synchronizeSrcu(ctx: SleepingContext, ssp: number, expedited: boolean, what: string): number {
  const domain = srcuDomain(ctx, ssp);
  srcuLockdepCheck(ctx, ssp, what);
  return synchronize(ctx, domain, expedited, what);
}

/** schedule_timeout_uninterruptible(jiffies): the task sleeps, so the CPU is idle meanwhile. */
function sleepJiffies(ctx: SleepingContext, jiffies: number): void {
  ctx.exports.idle_loop_enter();
  try {
    // HDR_MAGIC never changes and is never notified: a plain timed sleep.
    sleepBlocking(ctx.i32, ctx.layout.HDR_MAGIC >> 2, (jiffies * ctx.layout.JIFFY_US) / 1000);
    ctx.exports.irq_poll_between_commands(); // interrupts that came while it slept, taken from idle
  } finally {
    ctx.exports.idle_loop_exit();
  }
}

/**
 * rcu_torture_writer() for `durationMs` on grace-period domain `domain`: publish a new
 * element and retire the old one (in WebAssembly), wait for a grace period (here,
 * blocking), then advance the retired elements' pipe counts (in WebAssembly). Returns the
 * grace periods waited for.
 */
function tortureWriter(ctx: SleepingContext, durationMs: number, domain: number): number {
  if (ctx.exports.gp_domain_valid(domain) === 0) throw new RangeError(`torture_writer: grace-period domain ${domain} does not exist`);
  const x = ctx.exports;
  const end = Date.now() + durationMs;
  let gps = 0;
  while (Date.now() < end) {
    sleepJiffies(ctx, 1); // RTWS_FIXED_DELAY: schedule_timeout_uninterruptible(1) (rcutorture.c, v5.x)
    x.torture_writer_publish();
    synchronize(ctx, domain, false, "the torture writer's grace period");
    x.torture_writer_after_gp();
    gps++;
  }
  return gps;
}

const SSP: readonly ArgSpec[] = [{ name: "ssp (srcu_struct index)", type: "u32" }];

export const SLEEPING_COMMANDS: Readonly<Record<string, SleepingCommand>> = {
  torture_writer: {
    args: [{ name: "durationMs", type: "f64" }, { name: "grace-period domain", type: "u32" }],
    run: (c, [durationMs, domain]) => tortureWriter(c, durationMs, domain),
  },
  synchronize_rcu: { args: [], run: (c) => synchronize(c, c.layout.GP_DOMAIN_RCU, false, "synchronize_rcu()") },
  synchronize_rcu_expedited: { args: [], run: (c) => synchronize(c, c.layout.GP_DOMAIN_RCU, true, "synchronize_rcu_expedited()") },
  synchronize_srcu: { args: SSP, run: (c, [ssp]) => synchronizeSrcu(c, ssp, false, "synchronize_srcu()") },
  synchronize_srcu_expedited: { args: SSP, run: (c, [ssp]) => synchronizeSrcu(c, ssp, true, "synchronize_srcu_expedited()") },
};
