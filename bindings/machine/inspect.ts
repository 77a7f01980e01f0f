// Reading (and, for tests and fault injection, writing) the machine's shared memory from
// the host: per-CPU fields, usage-error and op counters, shared words, fault bits. Every
// offset comes from the layout; every value the module defines from its constants.
import { FAULT_NAMES, OP_KINDS, USAGE_KINDS, globalName, type FaultName, type OpKind, type UsageKind } from "../abi/constants.js";
import { perCpuAddr, sharedWordAddr } from "../abi/layout.js";
import type { MemoryViews } from "../abi/mailbox.js";

/** A little-endian u64 at `addr`, as a number (exact below 2^53). */
export function readU64(v: MemoryViews, addr: number): number {
  return Number(new DataView(v.i32.buffer).getBigUint64(addr, true));
}

/** `n` consecutive u64s from `addr`. */
export function readU32(v: MemoryViews, addr: number): number {
  return Atomics.load(v.i32, addr >> 2) >>> 0;
}

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
