// The mailbox protocol, both ends in one place. Each context (CPU, grace-period kthread)
// has a mailbox in shared memory (assembly/layout.ts MAILBOX_*):
//
//   host                                   worker of context c
//   ----                                   -------------------
//   args, cmd, barrier_n  (plain stores)
//   req_seq = seq         (Atomics.store: publishes the stores above)
//   notify(req_seq)  ───────────────────▶  wait(req_seq) returns; reads cmd, args
//                                          [start barrier: all n workers arrive]
//                                          runs the command
//                                          result, elapsed, status/error (plain stores)
//   wait(ack_seq) returns  ◀─────────────  ack_seq = seq (Atomics.store), notify(ack_seq)
//   reads result or error
//
// The sequentially consistent Atomics.store/load of req_seq and ack_seq order the plain
// accesses around them (they pair with each other); without them a worker could run a
// command with stale arguments, or the host read a stale result. req_seq and ack_seq sit
// on different cache lines (checked by checkLayout). The host never blocks (waitAsync,
// woken at least every 50 ms to notice a dead worker); workers block with Atomics.wait.
import { holdEventLoop } from "./futex.js";
import type { Layout } from "./layout.js";

/** Command number 0 is "none"; CMD_EXIT ends the worker's loop; commands proper start at FIRST_CMD. */
export const CMD_EXIT = 1;
export const FIRST_CMD = 2;

/** Typed views of the shared memory, made once per thread. */
export interface MemoryViews {
  readonly layout: Layout;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly u8: Uint8Array;
}

export function memoryViews(memory: WebAssembly.Memory, layout: Layout): MemoryViews {
  return { layout, i32: new Int32Array(memory.buffer), f64: new Float64Array(memory.buffer), u8: new Uint8Array(memory.buffer) };
}

/** Word indexes of context `ctx`'s mailbox fields. */
function fields(L: Layout, ctx: number) {
  const mb = L.MAILBOX_BASE + ctx * L.MAILBOX_STRIDE;
  return {
    mb,
    req: (mb + L.MB_REQ_SEQ) >> 2, ack: (mb + L.MB_ACK_SEQ) >> 2, cmd: (mb + L.MB_CMD) >> 2,
    barrierN: (mb + L.MB_BARRIER_N) >> 2, status: (mb + L.MB_STATUS) >> 2, errLen: (mb + L.MB_ERR_LEN) >> 2,
    args: (mb + L.MB_ARGS) >> 3, result: (mb + L.MB_RESULT) >> 3, elapsed: (mb + L.MB_ELAPSED_NS) >> 3,
  };
}

// ---- host end ----------------------------------------------------------------------------

export interface Posted {
  /** The command's return value. */
  readonly value: number;
  /** Time the worker spent inside the command (ns). */
  readonly elapsedNs: number;
}

/** Why a posted command did not complete. */
export type PostFailure = { kind: "aborted"; reason: string } | { kind: "deadline" } | { kind: "error"; text: string };

export class PostError extends Error {
  constructor(readonly failure: PostFailure) {
    super(failure.kind === "error" ? failure.text : failure.kind === "aborted" ? failure.reason : "deadline");
    this.name = "PostError";
  }
}

/**
 * Post command `cmd` with `args` to context `ctx` and resolve with its result. `wakeWord`,
 * if given, is bumped and notified too (the kthread sleeps on RCU_GP_WAKE, not on its
 * mailbox). `aborted()` is polled while waiting: a dead worker ends the wait at once.
 */
export async function post(
  v: MemoryViews, ctx: number, cmd: number, args: readonly number[], barrierN: number, deadlineMs: number,
  aborted: () => string | undefined, wakeWord?: number,
): Promise<Posted> {
  const L = v.layout, f = fields(L, ctx), i32 = v.i32;
  for (let i = 0; i < L.MB_NR_ARGS; i++) v.f64[f.args + i] = args[i] ?? 0;
  i32[f.cmd] = cmd;
  i32[f.barrierN] = barrierN;
  const seq = (Atomics.load(i32, f.req) + 1) | 0;
  Atomics.store(i32, f.req, seq); // publishes cmd, args, barrier_n; pairs with the worker's load of req_seq
  Atomics.notify(i32, f.req);
  if (wakeWord !== undefined) {
    Atomics.add(i32, wakeWord >> 2, 1);
    Atomics.notify(i32, wakeWord >> 2);
  }
  const deadline = Date.now() + deadlineMs;
  const release = holdEventLoop(); // a command in flight keeps the process alive; an idle machine does not
  try {
    for (;;) {
      const ack = Atomics.load(i32, f.ack); // pairs with the worker's store of ack_seq: result and status are visible
      if (ack === seq) break;
      const why = aborted();
      if (why !== undefined) throw new PostError({ kind: "aborted", reason: why });
      const left = deadline - Date.now();
      if (left <= 0) throw new PostError({ kind: "deadline" });
      const w = Atomics.waitAsync(i32, f.ack, ack, Math.min(left, 50));
      if (w.async) await w.value;
    }
  } finally {
    release();
  }
  if (Atomics.load(i32, f.status) !== 0) {
    const bytes = v.u8.slice(f.mb + L.MB_ERR_TEXT, f.mb + L.MB_ERR_TEXT + i32[f.errLen]);
    throw new PostError({ kind: "error", text: new TextDecoder().decode(bytes) });
  }
  return { value: v.f64[f.result], elapsedNs: v.f64[f.elapsed] };
}

// ---- worker end --------------------------------------------------------------------------

/** Runs command `cmd` with its arguments; returns its value and the ns spent in it. */
export type Execute = (cmd: number, args: readonly number[]) => { value: number; elapsedNs: number };

export interface ServeHooks {
  /** Called before sleeping for the next command (a CPU enters its idle loop here). */
  beforeSleep?: () => void;
  /** Called when a command arrived, before it runs (a CPU leaves its idle loop here). */
  afterWake?: () => void;
  /**
   * Longest sleep between two beforeSleep() calls, in ms (default: until a command). A CPU
   * sets it so that an interrupt whose wake-up (a notify of req_seq) came between its poll and
   * its Atomics.wait is still taken within this time.
   */
  sleepMs?: number;
}

const BARRIER_SPINS = 100_000;
const BARRIER_TIMEOUT_MS = 30_000;

/** The start barrier of runAll({ barrier: true }): every one of `n` workers arrives first. */
function startBarrier(v: MemoryViews, n: number): void {
  const k = v.layout.HDR_BARRIER_ARRIVED >> 2, i32 = v.i32;
  Atomics.add(i32, k, 1);
  const deadline = Date.now() + BARRIER_TIMEOUT_MS;
  for (let spins = 0; Atomics.load(i32, k) < n; spins++) {
    if (spins > BARRIER_SPINS) {
      if (Date.now() > deadline) throw new Error(`start barrier: ${Atomics.load(i32, k)} of ${n} CPUs arrived within ${BARRIER_TIMEOUT_MS} ms`);
      Atomics.wait(i32, k, Atomics.load(i32, k), 1);
    }
  }
}

/** Serve context `ctx`'s mailbox until CMD_EXIT: block for each command, run it, acknowledge it. */
export function serve(v: MemoryViews, ctx: number, execute: Execute, hooks: ServeHooks = {}): void {
  const L = v.layout, f = fields(L, ctx), i32 = v.i32;
  let seen = Atomics.load(i32, f.ack);
  for (;;) {
    const seq = Atomics.load(i32, f.req); // pairs with the host's store of req_seq: cmd and args are visible
    if (seq === seen) {
      hooks.beforeSleep?.();
      Atomics.wait(i32, f.req, seen, hooks.sleepMs);
      continue;
    }
    seen = seq;
    hooks.afterWake?.();
    const cmd = i32[f.cmd];
    i32[f.status] = 0;
    if (cmd !== CMD_EXIT) {
      try {
        const args: number[] = [];
        for (let i = 0; i < L.MB_NR_ARGS; i++) args.push(v.f64[f.args + i]);
        if (i32[f.barrierN] > 0) startBarrier(v, i32[f.barrierN]);
        const r = execute(cmd, args);
        v.f64[f.result] = r.value;
        v.f64[f.elapsed] = r.elapsedNs;
      } catch (e) {
        const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        const bytes = new TextEncoder().encode(text).subarray(0, L.MB_ERR_TEXT_SIZE);
        v.u8.set(bytes, f.mb + L.MB_ERR_TEXT);
        i32[f.errLen] = bytes.length;
        i32[f.status] = 1;
      }
    }
    Atomics.store(i32, f.ack, seq); // publishes result and status; pairs with the host's load of ack_seq
    Atomics.notify(i32, f.ack);
    if (cmd === CMD_EXIT) return;
  }
}

/**
 * For a worker that sleeps elsewhere (the kthread, on RCU_GP_WAKE): if CMD_EXIT is pending,
 * acknowledge it and return true. Other commands are not served there.
 */
export function takeExit(v: MemoryViews, ctx: number): boolean {
  const f = fields(v.layout, ctx), i32 = v.i32;
  const seq = Atomics.load(i32, f.req);
  if (seq === Atomics.load(i32, f.ack) || i32[f.cmd] !== CMD_EXIT) return false;
  Atomics.store(i32, f.ack, seq);
  Atomics.notify(i32, f.ack);
  return true;
}
