// Reading (and, for tests and fault injection, writing) the machine's shared memory from
// the host: per-CPU fields, usage-error and op counters, shared words, fault bits. Every
// offset comes from the layout; every value the module defines from its constants.
import { FAULT_NAMES, OP_KINDS, USAGE_KINDS, globalName, type FaultName, type OpKind, type UsageKind } from "../abi/constants.js";
import { perCpuAddr, sharedWordAddr } from "../abi/layout.js";
import type { MemoryViews } from "../abi/mailbox.js";
import type { Exports } from "../worker/boot.js";

/** A little-endian u64 at `addr`, as a number (exact below 2^53). */
export function readU64(v: MemoryViews, addr: number): number {
  return Number(new DataView(v.i32.buffer).getBigUint64(addr, true));
}

/** `n` consecutive u64s from `addr`. */
export function readU64s(v: MemoryViews, addr: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => readU64(v, addr + 8 * i));
}

/** A 64-bit per-CPU field of context `ctx` (e.g. dynticks_nesting). */
export function readPerCpuI64(v: MemoryViews, ctx: number, field: number): bigint {
  return new DataView(v.i32.buffer).getBigInt64(perCpuAddr(v.layout, ctx, field), true);
}

/** A 32-bit per-CPU field of context `ctx`. */
export function readPerCpuU32(v: MemoryViews, ctx: number, field: number): number {
  return Atomics.load(v.i32, perCpuAddr(v.layout, ctx, field) >> 2) >>> 0;
}

/** Usage errors (the kernel's WARN/lockdep splats) counted on context `ctx`, by kind. */
export function usageErrors(v: MemoryViews, ctx: number): Record<UsageKind, number> {
  const L = v.layout;
  const base = perCpuAddr(L, ctx, L.PCPU_USAGE) >> 2;
  const out = {} as Record<UsageKind, number>;
  for (const k of USAGE_KINDS) out[k] = Atomics.load(v.i32, base + L[globalName("USAGE", k)]) >>> 0;
  return out;
}

/** Op counts of context `ctx` (the counting build counts; the release build reads zeros). */
export function opCounts(v: MemoryViews, ctx: number): Record<OpKind, number> {
  const L = v.layout;
  const base = perCpuAddr(L, ctx, L.PCPU_OPS);
  const out = {} as Record<OpKind, number>;
  for (const k of OP_KINDS) out[k] = readU64(v, base + 8 * L[globalName("OP", k)]);
  return out;
}

export function readSharedWord(v: MemoryViews, i: number): number {
  return Atomics.load(v.i32, sharedWordAddr(v.layout, i) >> 2) >>> 0;
}

export function writeSharedWord(v: MemoryViews, i: number, value: number): void {
  Atomics.store(v.i32, sharedWordAddr(v.layout, i) >> 2, value | 0);
}

/** Turn deliberately broken mechanisms on (assembly/rcu/faults.ts); `arg` is their argument. */
export function setFaults(v: MemoryViews, faults: readonly FaultName[], arg: number): void {
  let bits = 0;
  for (const f of faults) {
    if (!FAULT_NAMES.includes(f)) throw new RangeError(`unknown fault '${f}'; expected one of: ${FAULT_NAMES.join(", ")}`);
    bits |= v.layout[globalName("FAULT", f)];
  }
  Atomics.store(v.i32, v.layout.RCU_FAULT_ARG >> 2, arg);
  Atomics.store(v.i32, v.layout.RCU_FAULTS >> 2, bits);
}

/**
 * The emulated kernel's clock and the grace-period timing derived from it, every number
 * read from the module (assembly/kernel/jiffies.ts, rcu/tree_gp.ts, rcu/srcutree.ts).
 */
export interface KernelTiming {
  /** CONFIG_HZ. */
  readonly hz: number;
  /** One jiffy, in microseconds. */
  readonly jiffyUs: number;
  /** jiffies_till_first_fqs (kernel/rcu/tree.c rcu_init_geometry, v5.6): RCU_JIFFIES_TILL_FORCE_QS + nr_cpu_ids / 256. */
  readonly jiffiesTillFirstFqs: number;
  /** jiffies_till_next_fqs: the same default. */
  readonly jiffiesTillNextFqs: number;
  /** SRCU_INTERVAL (srcutree.c, v5.6), jiffies: srcu_get_delay() of a normal SRCU grace period. */
  readonly srcuIntervalJiffies: number;
  /** SRCU_RETRY_CHECK_DELAY: the udelay() between try_check_zero()'s checks, us. */
  readonly srcuRetryCheckDelayUs: number;
  /** DEFAULT_SRCU_EXP_HOLDOFF: synchronize_srcu() expedites when idle this long, us. */
  readonly srcuExpHoldoffUs: number;
}

export function timing(L: MemoryViews["layout"], x: Exports): KernelTiming {
  return {
    hz: L.HZ, jiffyUs: L.JIFFY_US,
    jiffiesTillFirstFqs: x.jiffies_till_first_fqs() >>> 0, jiffiesTillNextFqs: x.jiffies_till_next_fqs() >>> 0,
    srcuIntervalJiffies: L.SRCU_INTERVAL, srcuRetryCheckDelayUs: L.SRCU_RETRY_CHECK_DELAY_US, srcuExpHoldoffUs: L.SRCU_EXP_HOLDOFF_US,
  };
}

/** A little-endian f64 at `addr` (the grace-period machines' times, us). */
export function readF64(v: MemoryViews, addr: number): number {
  return new DataView(v.i32.buffer).getFloat64(addr, true);
}

/** A u32 at `addr`. */
export function readU32(v: MemoryViews, addr: number): number {
  return Atomics.load(v.i32, addr >> 2) >>> 0;
}
