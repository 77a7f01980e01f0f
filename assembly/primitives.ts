// The kernel's memory primitives, mapped onto WebAssembly as the fidelity table of docs/architecture.md
// says. Kernel code in assembly/ touches shared memory ONLY through this file, so the
// same source builds as
//   release  - each primitive is the bare instruction (what is timed), and
//   counting - each primitive also bumps this CPU's counter of its kind (exact op counts),
//   stepping - each primitive first hands control to the explorer's scheduler (the import
//              env.sched_point), which may switch CPUs or deliver an interrupt there
//              (docs/explorer.md).
// The switch is compile time (`asc --use RCU_LAB_COUNTING=1`, `--use RCU_LAB_STEPPING=1`):
// the release build carries no trace of counting or stepping. Counting increments are
// plain, own-CPU and never counted.
import { PCPU_IRQS_DISABLED, PCPU_MB_SCRATCH, PCPU_OPS, PCPU_OPS_PAUSED } from "./layout";
import { this_cpu_ptr } from "./percpu";

// @ts-ignore: defined on the asc command line of the counting build only
@inline const COUNTING: bool = isDefined(RCU_LAB_COUNTING);

// Op kinds, the slots of the per-CPU counter array at PCPU_OPS (u64 each).
export const OP_READ_ONCE: u32 = 0; //       READ_ONCE, rcu_dereference_raw, a plain C load: a load
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
  if (COUNTING && load<u32>(this_cpu_ptr(PCPU_OPS_PAUSED)) == 0) {
    const slot = this_cpu_ptr(PCPU_OPS) + (<usize>kind << 3);
    store<u64>(slot, load<u64>(slot) + 1);
  }
}

/** 1 in the counting build, 0 in the release build. */
export const COUNTING_BUILD: u32 = COUNTING ? 1 : 0;

// ---- stepping build: a scheduling point before each primitive ----------------------------

// @ts-ignore: defined on the asc command line of the stepping build only
@inline const STEPPING: bool = isDefined(RCU_LAB_STEPPING);

/**
 * The explorer's scheduler (bindings/experiments/explore-machine.ts), imported by the
 * stepping build only: the primitive of kind `kind` on `addr` is about to execute
 * (`value`: the value a store writes or the delta an RMW adds, low 32 bits). It may
 * suspend this CPU there (Asyncify unwinds the instance) and run others first. Returns the
 * interrupt to deliver on this CPU before the access (0: none); offered only when
 * `irqs_on` is 1.
 */
// @ts-ignore: decorator
@external("env", "sched_point")
declare function sched_point(kind: u32, addr: usize, value: u32, irqs_on: u32): u32;

/** Stepping build: table index of the explorer's interrupt handler (0: no interrupts). Per instance = per CPU. */
let irq_vector: u32 = 0;
/** Stepping build: interrupts being delivered on this CPU (one level: handlers are not interrupted). */
let irq_depth: u32 = 0;

/** Stepping build: the table index of the handler that sched_point's interrupts call (a new run: none is in progress). */
export function set_irq_vector(fn: u32): void {
  irq_vector = fn;
  irq_depth = 0;
}

// Each primitive below starts with `if (STEPPING) step_slow(...)`: a statement the compiler
// drops at compile time in the other builds (a helper taking the arguments would not be:
// its argument locals change binaryen's inlining of the release build).
function step_slow(kind: u32, addr: usize, value: u32): void {
  let irq = sched_point(kind, addr, value, irqs_on());
  while (irq != 0) {
    irq_depth++;
    call_indirect<void>(irq_vector, irq); // the interrupt, taken before this access
    irq_depth--;
    irq = sched_point(kind, addr, value, irqs_on()); // the access again, after the handler
  }
}

@inline function irqs_on(): u32 {
  return irq_vector != 0 && irq_depth == 0 && load<u32>(this_cpu_ptr(PCPU_IRQS_DISABLED)) == 0 ? 1 : 0;
}

/** true in the stepping build only (a compile-time constant: code under it vanishes elsewhere). */
@inline export const STEPPING_BUILD: bool = STEPPING;

/** Added to sched_point's kind when the access is 64 bits wide. */
export const STEP_W64: u32 = 0x100;

/** sched_point's kind for sched_yield(): no memory access. */
export const STEP_YIELD: u32 = 100;

/**
 * A task that waits (a polling loop of the explorer's kernels) offers the CPU to the others
 * (stepping build): the scheduler then runs another CPU first. Nothing in the other builds.
 */
@inline export function sched_yield(): void {
  if (STEPPING) sched_point(STEP_YIELD, 0, 0, 0);
}


// ---- per-CPU operations on the own CPU's slot ---------------------------------------
// this_cpu_inc(x) (include/linux/percpu-defs.h): on x86 one `incl %gs:x`, atomic
// against interrupts on this CPU but not locked. A plain load + add + store on the own
// CPU's slot: only this CPU writes it, interrupts are emulated synchronously.

@inline export function this_cpu_read_u32(field: u32): u32 {
  count(OP_READ_ONCE);
  if (STEPPING) step_slow(OP_READ_ONCE, this_cpu_ptr(field), 0);
  return load<u32>(this_cpu_ptr(field));
}

@inline export function this_cpu_write_u32(field: u32, v: u32): void {
  count(OP_WRITE_ONCE);
  if (STEPPING) step_slow(OP_WRITE_ONCE, this_cpu_ptr(field), v);
  store<u32>(this_cpu_ptr(field), v);
}

@inline export function this_cpu_add_return_u32(field: u32, delta: u32): u32 {
  count(OP_THIS_CPU_RMW);
  if (STEPPING) step_slow(OP_THIS_CPU_RMW, this_cpu_ptr(field), delta);
  const p = this_cpu_ptr(field);
  const v = load<u32>(p) + delta;
  store<u32>(p, v);
  return v;
}

@inline export function this_cpu_read_i64(field: u32): i64 {
  count(OP_READ_ONCE);
  if (STEPPING) step_slow(OP_READ_ONCE | STEP_W64, this_cpu_ptr(field), 0);
  return load<i64>(this_cpu_ptr(field));
}

@inline export function this_cpu_write_i64(field: u32, v: i64): void {
  count(OP_WRITE_ONCE);
  if (STEPPING) step_slow(OP_WRITE_ONCE | STEP_W64, this_cpu_ptr(field), <u32>v);
  store<i64>(this_cpu_ptr(field), v);
}

/** `rdp->field += delta` on a long of the own CPU: one non-locked RMW (addq/incq). */
@inline export function this_cpu_add_i64(field: u32, delta: i64): i64 {
  count(OP_THIS_CPU_RMW);
  if (STEPPING) step_slow(OP_THIS_CPU_RMW | STEP_W64, this_cpu_ptr(field), <u32>delta);
  const p = this_cpu_ptr(field);
  const v = load<i64>(p) + delta;
  store<i64>(p, v);
  return v;
}

/** this_cpu_inc on a u32 slot of the own CPU given by address. */
@inline export function this_cpu_inc_u32_at(p: usize): void {
  count(OP_THIS_CPU_RMW);
  if (STEPPING) step_slow(OP_THIS_CPU_RMW, p, 1);
  store<u32>(p, load<u32>(p) + 1);
}

/** this_cpu_inc on an unsigned long (u64) slot, e.g. SRCU's per-CPU counters. */
@inline export function this_cpu_inc_u64_at(p: usize): void {
  count(OP_THIS_CPU_RMW);
  if (STEPPING) step_slow(OP_THIS_CPU_RMW | STEP_W64, p, 1);
  store<u64>(p, load<u64>(p) + 1);
}

@inline export function this_cpu_inc(field: u32): void {
  this_cpu_add_return_u32(field, 1);
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

/** Read a per-CPU long of the own CPU without counting (emulator bookkeeping only). */
@inline export function this_cpu_ptr_read_i64(field: u32): i64 {
  return load<i64>(this_cpu_ptr(field));
}

/**
 * Pause op counting on this CPU (the counting build): work the emulator does between
 * commands, such as the idle loop, is not part of what a command measures.
 */
@inline export function ops_counting_pause(paused: bool): void {
  if (COUNTING) store<u32>(this_cpu_ptr(PCPU_OPS_PAUSED), paused ? 1 : 0);
}

/**
 * A load of emulator bookkeeping in shared memory (the fault-injection bits read on a
 * kernel path): no kernel memory op, so never counted.
 */
@inline export function emulator_read_u32(p: usize): u32 {
  return atomic.load<u32>(p);
}

/**
 * An emulator statistic that only the counting build keeps (u64 at this CPU's `field` +
 * `off`): the release build, which is timed, carries no trace of it.
 */
@inline export function counting_stat_inc(field: u32, off: u32): void {
  if (COUNTING) {
    const p = this_cpu_ptr(field) + off;
    store<u64>(p, load<u64>(p) + 1);
  }
}

/** A store of emulator bookkeeping at an absolute address (the recursion lab's statistics): never counted. */
@inline export function emulator_write_u32(p: usize, v: u32): void {
  store<u32>(p, v);
}

/** Emulator-private per-CPU state (PRNG, statistics): not kernel memory ops, not counted. */
@inline export function cpu_reg_read_u64(field: u32): u64 {
  return load<u64>(this_cpu_ptr(field));
}

@inline export function cpu_reg_write_u64(field: u32, v: u64): void {
  store<u64>(this_cpu_ptr(field), v);
}

/**
 * Increment an emulator-private per-CPU u32 counter at `field` + `off` (the usage-error
 * counters): the emulator's own bookkeeping, never a kernel op, so never counted.
 */
@inline export function cpu_stat_inc_u32(field: u32, off: u32): void {
  const p = this_cpu_ptr(field) + off;
  store<u32>(p, load<u32>(p) + 1);
}

/** Increment an emulator-private per-CPU u64 statistic at `field` + `off`. */
@inline export function cpu_stat_inc(field: u32, off: u32): void {
  const p = this_cpu_ptr(field) + off;
  store<u64>(p, load<u64>(p) + 1);
}

// ---- ONCE accessors ------------------------------------------------------------------

/** READ_ONCE(*p) (include/linux/compiler.h): atomic.load, a plain mov on x86. */
@inline export function READ_ONCE_u32(p: usize): u32 {
  count(OP_READ_ONCE);
  if (STEPPING) step_slow(OP_READ_ONCE, p, 0);
  return atomic.load<u32>(p);
}

@inline export function READ_ONCE_u64(p: usize): u64 {
  count(OP_READ_ONCE);
  if (STEPPING) step_slow(OP_READ_ONCE | STEP_W64, p, 0);
  return atomic.load<u64>(p);
}

/** WRITE_ONCE(*p, v): a plain store (a mov on x86). */
@inline export function WRITE_ONCE_u32(p: usize, v: u32): void {
  count(OP_WRITE_ONCE);
  if (STEPPING) step_slow(OP_WRITE_ONCE, p, v);
  store<u32>(p, v);
}

@inline export function READ_ONCE_i64(p: usize): i64 {
  count(OP_READ_ONCE);
  if (STEPPING) step_slow(OP_READ_ONCE | STEP_W64, p, 0);
  return atomic.load<i64>(p);
}

@inline export function WRITE_ONCE_f64(p: usize, v: f64): void {
  count(OP_WRITE_ONCE);
  if (STEPPING) step_slow(OP_WRITE_ONCE | STEP_W64, p, 0);
  store<f64>(p, v);
}

@inline export function READ_ONCE_f64(p: usize): f64 {
  count(OP_READ_ONCE);
  if (STEPPING) step_slow(OP_READ_ONCE | STEP_W64, p, 0);
  return load<f64>(p);
}

@inline export function WRITE_ONCE_u64(p: usize, v: u64): void {
  count(OP_WRITE_ONCE);
  if (STEPPING) step_slow(OP_WRITE_ONCE | STEP_W64, p, <u32>v);
  store<u64>(p, v);
}

// ---- atomics and barriers ------------------------------------------------------------

/** atomic_add_return(i, v) (arch/x86/include/asm/atomic.h): lock xadd, returns new. */
@inline export function atomic_add_return(p: usize, delta: u32): u32 {
  count(OP_ATOMIC_RMW);
  if (STEPPING) step_slow(OP_ATOMIC_RMW, p, delta);
  return atomic.add<u32>(p, delta) + delta;
}

/** atomic_cmpxchg(v, old, new) (arch/x86/include/asm/cmpxchg.h): lock cmpxchg, returns the old value. */
@inline export function atomic_cmpxchg(p: usize, old: u32, v: u32): u32 {
  count(OP_ATOMIC_RMW);
  if (STEPPING) step_slow(OP_ATOMIC_RMW, p, v);
  return atomic.cmpxchg<u32>(p, old, v);
}

/**
 * Wake whoever sleeps on `p`, a word whose value the caller has just changed (a grace-
 * period sequence): the sleeper is a JavaScript Atomics.wait; the module never waits.
 */
@inline export function wake_up(p: usize): void {
  count(OP_CALL);
  atomic.notify(p, 0x7fffffff);
}

/**
 * Wake the sleeper of the futex word `p` (the kernel's swake_up_one() of the grace-period
 * kthread): bump the word first, so that a sleeper that read it before this call and has
 * not gone to sleep yet does not sleep through the wake-up.
 */
@inline export function futex_wake(p: usize): void {
  count(OP_CALL);
  atomic.add<u32>(p, 1);
  atomic.notify(p, 0x7fffffff);
}

/**
 * smp_mb() (arch/x86/include/asm/barrier.h, v5.6: `lock; addl $0,-4(%rsp)`): a locked
 * RMW on a word private to this CPU: atomic.xchg, which V8 emits as one `xchg` with a
 * memory operand (implicitly locked, a full barrier on x86, as the kernel's `lock addl`).
 * Not atomic.add: V8 (Node 20) emits that as a load and a `lock cmpxchg` retry loop, 8.8 ns
 * back to back on the machine of docs/performance.md against 5.1 ns for the kernel's
 * `lock addl` and 4.8 ns for `xchg`. Never the WebAssembly fence: asc rejects or deletes it
 * and V8 would emit mfence, about 4x the kernel's cost.
 */
@inline export function smp_mb(): void {
  count(OP_SMP_MB);
  if (STEPPING) step_slow(OP_SMP_MB, this_cpu_ptr(PCPU_MB_SCRATCH), 0);
  atomic.xchg<u32>(this_cpu_ptr(PCPU_MB_SCRATCH), 0);
}

/** barrier() (include/linux/compiler.h): a compiler barrier, no instruction. */
@inline export function barrier(): void {}

/** rcu_dereference_raw(p) (include/linux/rcupdate.h): READ_ONCE of the pointer. */
@inline export function rcu_dereference_raw(p: usize): u32 {
  count(OP_READ_ONCE);
  if (STEPPING) step_slow(OP_READ_ONCE, p, 0);
  return atomic.load<u32>(p);
}

/**
 * A plain C load (no READ_ONCE) of a structure reached through rcu_dereference_raw() that
 * nobody writes once it is published: `it_func_ptr->func` and `->data` in v5.6
 * __DO_TRACE, `->data` and the terminator test in v6.13 (include/linux/tracepoint.h).
 * A plain WebAssembly load, as the C is a plain mov: V8 guards every atomic.load with an
 * alignment check (lea; and 3; test; jnz) that the kernel's mov does not have. Ordered
 * after the structure's publication by the atomic.load of the pointer that reached it
 * (rcu_dereference_raw, which pairs with rcu_assign_pointer()'s atomic.store); without
 * that dependency (a plain load of the pointer as well) V8 could read a stale array.
 * Counted as a load, as READ_ONCE is: the kernel executes the same mov.
 */
@inline export function plain_load_u32(p: usize): u32 {
  count(OP_READ_ONCE);
  if (STEPPING) step_slow(OP_READ_ONCE, p, 0);
  return load<u32>(p);
}

/**
 * rcu_assign_pointer(p, v) (include/linux/rcupdate.h): smp_store_release. A plain mov
 * suffices on x86; the emulation uses atomic.store so that V8 can never publish a
 * pointer before the stores that filled what it points to.
 */
@inline export function rcu_assign_pointer(p: usize, v: u32): void {
  count(OP_STORE_RELEASE);
  if (STEPPING) step_slow(OP_STORE_RELEASE, p, v);
  atomic.store<u32>(p, v);
}

/** smp_store_release(p, v) on a u32 (atomic.store: xchg under V8). */
@inline export function smp_store_release(p: usize, v: u32): void {
  count(OP_STORE_RELEASE);
  if (STEPPING) step_slow(OP_STORE_RELEASE, p, v);
  atomic.store<u32>(p, v);
}

/** smp_load_acquire(p): a plain mov on x86 (TSO); atomic.load. */
@inline export function smp_load_acquire(p: usize): u32 {
  count(OP_READ_ONCE);
  if (STEPPING) step_slow(OP_READ_ONCE, p, 0);
  return atomic.load<u32>(p);
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

/** A call through a function pointer with two arguments: a probe, (*func)(data, args). */
@inline export function indirect_call_2(fn: u32, data: u32, arg: u32): void {
  count(OP_INDIRECT_CALL);
  call_indirect<void>(fn, data, arg);
}

/**
 * static_call(tp_func_X)(data, args) (include/linux/static_call.h, x86, v5.10+): a direct
 * call whose target is patched into the instruction, so reading the target is no memory op
 * of the kernel (not counted); the call (probe_call_static, tracepoint/probe_call.ts) is
 * counted as an out-of-line call, not an indirect one.
 */
@inline export function static_call_target(p: usize): u32 {
  return load<u32>(p); // emulator state, no kernel load: a plain load, no atomic's alignment check
}

/**
 * static_key_false(&key) (include/linux/jump_label.h): on x86 a patched NOP/JMP, so the
 * kernel executes no load. The emulation loads the key and branches; the counting build
 * counts one branch and no load. A plain load (a mov): V8 guards every atomic.load with an
 * alignment check (lea; and; test; jnz) that the kernel's NOP does not have, and the key is
 * emulator state, not kernel memory. It is still read on every call (neither Binaryen nor V8
 * hoists a load out of a loop that stores), so a key flipped by the host is seen at once.
 */
@inline export function static_key_false(p: usize): bool {
  count(OP_BRANCH);
  return load<u32>(p) != 0;
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

// ---- the emulated interrupt controller (kernel/irq_delivery.ts) -------------------------
// Raising, acknowledging and waking for interrupts is what the hardware (the local APIC)
// does, not kernel code: these are never counted, so polling for interrupts leaves the
// counting build's op counts unchanged.

/** Set bits in a pending-interrupt word (another CPU's included): a locked or. */
@inline export function emulator_or_u32(p: usize, bits: u32): void {
  atomic.or<u32>(p, bits);
}

/** Take (read and clear) bits of this CPU's pending-interrupt word: returns those that were set. */
@inline export function emulator_take_u32(p: usize, bits: u32): u32 {
  return atomic.and<u32>(p, ~bits) & bits;
}

/** Wake a context that sleeps on futex word `p` (an idle CPU's mailbox) without changing it. */
@inline export function emulator_kick(p: usize): void {
  atomic.notify(p, 1);
}

/** atomic64_cmpxchg (arch/x86/include/asm/atomic64_64.h): lock cmpxchgq, returns the old value. */
@inline export function atomic_cmpxchg_u64(p: usize, old: u64, v: u64): u64 {
  count(OP_ATOMIC_RMW);
  return atomic.cmpxchg<u64>(p, old, v);
}
