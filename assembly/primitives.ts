// The kernel's memory primitives, mapped onto WebAssembly as DESIGN.md's fidelity table
// says. Kernel code in assembly/ touches shared memory ONLY through this file, so the
// same source builds as
//   release  - each primitive is the bare instruction (what is timed), and
//   counting - each primitive also bumps this CPU's counter of its kind (exact op counts).
// The switch is compile time (`asc --use RCU_LAB_COUNTING=1`): the release build carries
// no trace of counting. Counting increments are plain, own-CPU and never counted.
import { PCPU_MB_SCRATCH, PCPU_OPS } from "./layout";
import { this_cpu_ptr } from "./percpu";

// @ts-ignore: defined on the asc command line of the counting build only
@inline const COUNTING: bool = isDefined(RCU_LAB_COUNTING);

// Op kinds, the slots of the per-CPU counter array at PCPU_OPS (u64 each).
export const OP_READ_ONCE: u32 = 0; //       READ_ONCE, rcu_dereference_raw: a load
export const OP_WRITE_ONCE: u32 = 1; //      WRITE_ONCE: a plain store
export const OP_THIS_CPU_RMW: u32 = 2; //    this_cpu_inc/add/dec: irq-atomic, not locked
export const OP_ATOMIC_RMW: u32 = 3; //      atomic_add_return & co: a locked RMW
export const OP_SMP_MB: u32 = 4; //          smp_mb(): a locked RMW used as a full barrier
export const OP_STORE_RELEASE: u32 = 5; //   rcu_assign_pointer / smp_store_release
export const OP_BRANCH: u32 = 6; //          a conditional branch marked with branch()
export const OP_INDIRECT_CALL: u32 = 7; //   a call through a function pointer
export const OP_CALL: u32 = 8; //            an out-of-line (not inlined) kernel call
export const OP_IRQ_SAVE: u32 = 9; //       local_irq_save (pushf; pop; cli)
export const OP_IRQ_RESTORE: u32 = 10; //    local_irq_restore (push; popf)
export const NR_OP_KINDS: u32 = 11;

@inline function count(kind: u32): void {
  if (COUNTING) {
    const slot = this_cpu_ptr(PCPU_OPS) + (<usize>kind << 3);
    store<u64>(slot, load<u64>(slot) + 1);
  }
}

/** 1 in the counting build, 0 in the release build. */
export const COUNTING_BUILD: u32 = COUNTING ? 1 : 0;

// ---- per-CPU operations on the own CPU's slot ---------------------------------------
// this_cpu_inc(x) (include/linux/percpu-defs.h): on x86 one `incl %gs:x`, atomic
// against interrupts on this CPU but not locked. A plain load + add + store on the own
// CPU's slot: only this CPU writes it, interrupts are emulated synchronously.

@inline export function this_cpu_read_u32(field: u32): u32 {
  count(OP_READ_ONCE);
  return load<u32>(this_cpu_ptr(field));
}

@inline export function this_cpu_write_u32(field: u32, v: u32): void {
  count(OP_WRITE_ONCE);
  store<u32>(this_cpu_ptr(field), v);
}

@inline export function this_cpu_add_return_u32(field: u32, delta: u32): u32 {
  count(OP_THIS_CPU_RMW);
  const p = this_cpu_ptr(field);
  const v = load<u32>(p) + delta;
  store<u32>(p, v);
  return v;
}

@inline export function this_cpu_inc(field: u32): void {
  this_cpu_add_return_u32(field, 1);
}

@inline export function this_cpu_dec_return(field: u32): u32 {
  return this_cpu_add_return_u32(field, <u32>-1);
}

// ---- CPU state that real hardware keeps in registers -----------------------------------
// EFLAGS.IF lives in a register on x86, so reading or writing the emulated copy is not a
// memory op of the kernel and is not counted (the save/restore is counted by kind).

@inline export function cpu_reg_read_u32(field: u32): u32 {
  return load<u32>(this_cpu_ptr(field));
}

@inline export function cpu_reg_write_u32(field: u32, v: u32): void {
  store<u32>(this_cpu_ptr(field), v);
}

// ---- ONCE accessors ------------------------------------------------------------------

/** READ_ONCE(*p) (include/linux/compiler.h): atomic.load, a plain mov on x86. */
@inline export function READ_ONCE_u32(p: usize): u32 {
  count(OP_READ_ONCE);
  return atomic.load<u32>(p);
}

@inline export function READ_ONCE_u64(p: usize): u64 {
  count(OP_READ_ONCE);
  return atomic.load<u64>(p);
}

/** WRITE_ONCE(*p, v): a plain store (a mov on x86). */
@inline export function WRITE_ONCE_u32(p: usize, v: u32): void {
  count(OP_WRITE_ONCE);
  store<u32>(p, v);
}

@inline export function WRITE_ONCE_u64(p: usize, v: u64): void {
  count(OP_WRITE_ONCE);
  store<u64>(p, v);
}

// ---- atomics and barriers ------------------------------------------------------------

/** atomic_add_return(i, v) (arch/x86/include/asm/atomic.h): lock xadd, returns new. */
@inline export function atomic_add_return(p: usize, delta: u32): u32 {
  count(OP_ATOMIC_RMW);
  return atomic.add<u32>(p, delta) + delta;
}

/**
 * smp_mb() (arch/x86/include/asm/barrier.h, v5.6: `lock; addl $0,-4(%rsp)`): a locked
 * RMW on a word private to this CPU. Never atomic.fence: asc rejects or deletes it and
 * V8 would emit mfence, about 4x the kernel's cost.
 */
@inline export function smp_mb(): void {
  count(OP_SMP_MB);
  atomic.add<u32>(this_cpu_ptr(PCPU_MB_SCRATCH), 0);
}

/** barrier() (include/linux/compiler.h): a compiler barrier, no instruction. */
@inline export function barrier(): void {}

/** rcu_dereference_raw(p) (include/linux/rcupdate.h): READ_ONCE of the pointer. */
@inline export function rcu_dereference_raw(p: usize): u32 {
  count(OP_READ_ONCE);
  return atomic.load<u32>(p);
}

/**
 * rcu_assign_pointer(p, v) (include/linux/rcupdate.h): smp_store_release. A plain mov
 * suffices on x86; the emulation uses atomic.store so that V8 can never publish a
 * pointer before the stores that filled what it points to.
 */
@inline export function rcu_assign_pointer(p: usize, v: u32): void {
  count(OP_STORE_RELEASE);
  atomic.store<u32>(p, v);
}

// ---- control flow that the counting build counts --------------------------------------

/** Mark a conditional branch of emulated kernel code: `if (branch(x))`. */
@inline export function branch(cond: bool): bool {
  count(OP_BRANCH);
  return cond;
}

/** An out-of-line kernel call (emulated inline; its cost belongs to the cost model). */
@inline export function out_of_line_call(): void {
  count(OP_CALL);
}

/** A call through a function pointer: call_indirect on this CPU's function table. */
@inline export function indirect_call_1(fn: u32, arg: u32): void {
  count(OP_INDIRECT_CALL);
  call_indirect<void>(fn, arg);
}

// ---- op counters (counting build) ---------------------------------------------------

/** This CPU's counter of op kind `kind` (always 0 in the release build). */
export function this_cpu_op_count(kind: u32): u64 {
  return load<u64>(this_cpu_ptr(PCPU_OPS) + (<usize>kind << 3));
}

/** Hook for op kinds that are not memory primitives (irq save/restore). */
@inline export function count_op(kind: u32): void {
  count(kind);
}
