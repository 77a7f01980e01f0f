// The fixed layout of the one shared memory. Every instance of the module, one per
// emulated CPU, sees the same bytes at the same offsets; nothing here is allocated.
// The exported constants become immutable WebAssembly globals: the TypeScript side
// reads them (bindings/layout.ts) and hard-codes no offset.
//
//   0                 NULL page: never written (catches a NULL pointer that is used)
//   HDR_BASE          machine header (magic, layout version, nr_cpus), start barrier
//   SHARED_BASE       SHARED_WORDS words, each on its own line (tests and benchmarks)
//   MAILBOX_BASE      one mailbox per CPU, MAILBOX_STRIDE bytes (host <-> CPU commands)
//   PERCPU_BASE       one per-CPU area per CPU, PERCPU_STRIDE bytes (the kernel's per-CPU data)
//   LAYOUT_END(cpus)  = PERCPU_BASE + cpus * PERCPU_STRIDE

export const LAYOUT_VERSION: u32 = 1;
export const LAYOUT_MAGIC: u32 = 0x4c554352; // "RCUL"

/** Maximum pages of the shared memory: the build passes --maximumMemory and the same
 *  number as `--use RCU_LAB_MAX_PAGES=N`, so the module states its own limit. */
// @ts-ignore: defined on the asc command line
export const MAXIMUM_MEMORY_PAGES: u32 = RCU_LAB_MAX_PAGES;
export const WASM_PAGE_SIZE: u32 = 65536;

/** One cache line. Hot per-CPU fields each get one so CPUs never false-share. */
export const CACHELINE: u32 = 64;

/** CONFIG_NR_CPUS of this build: the most CPUs a machine may have. */
export const NR_CPUS: u32 = 64;

/** Bytes at address 0 that are never part of any structure. */
export const NULL_PAGE_SIZE: u32 = 4096;

// ---- machine header --------------------------------------------------------------
export const HDR_BASE: u32 = NULL_PAGE_SIZE;
export const HDR_MAGIC: u32 = HDR_BASE + 0;
export const HDR_LAYOUT_VERSION: u32 = HDR_BASE + 4;
export const HDR_NR_CPUS: u32 = HDR_BASE + 8;
/** Start barrier: CPUs that have arrived (i32), on its own line. */
export const HDR_BARRIER_ARRIVED: u32 = HDR_BASE + CACHELINE;
export const HDR_SIZE: u32 = 2 * CACHELINE;

// ---- shared words (one per line) -------------------------------------------------
export const SHARED_BASE: u32 = HDR_BASE + HDR_SIZE;
export const SHARED_WORDS: u32 = 16;
export const SHARED_STRIDE: u32 = CACHELINE;

// ---- mailboxes ---------------------------------------------------------------------
// Line 0 is written by the host, line 1 by the CPU, then an error-text area.
export const MAILBOX_BASE: u32 = SHARED_BASE + SHARED_WORDS * SHARED_STRIDE;
export const MAILBOX_STRIDE: u32 = 1024;
export const MB_REQ_SEQ: u32 = 0; //      i32: bumped by the host to post a command
export const MB_CMD: u32 = 4; //          i32: command number
export const MB_BARRIER_N: u32 = 8; //    i32: CPUs to wait for at the start barrier (0 = none)
export const MB_ARGS: u32 = 16; //        f64 x MB_NR_ARGS
export const MB_NR_ARGS: u32 = 4;
export const MB_ACK_SEQ: u32 = CACHELINE; // i32: set to REQ_SEQ by the CPU when done
export const MB_STATUS: u32 = CACHELINE + 4; // i32: 0 ok, 1 error
export const MB_ERR_LEN: u32 = CACHELINE + 8; // i32: bytes of UTF-8 in MB_ERR_TEXT
export const MB_RESULT: u32 = CACHELINE + 16; // f64: what the command returned
export const MB_ELAPSED_NS: u32 = CACHELINE + 24; // f64: time spent in the command
export const MB_ERR_TEXT: u32 = 2 * CACHELINE;
export const MB_ERR_TEXT_SIZE: u32 = MAILBOX_STRIDE - 2 * CACHELINE;

// ---- per-CPU areas ---------------------------------------------------------------
// Each field below starts its own cache line of the CPU's area.
export const PERCPU_BASE: u32 = MAILBOX_BASE + NR_CPUS * MAILBOX_STRIDE;
export const PERCPU_STRIDE: u32 = 4096;
/** u32: the CPU id, written by the CPU itself at cpu_init (ownership check). */
export const PCPU_CPU_ID: u32 = 0 * CACHELINE;
/** u32: __preempt_count (arch/x86/include/asm/preempt.h, v5.6), NEED_RESCHED inverted. */
export const PCPU_PREEMPT_COUNT: u32 = 1 * CACHELINE;
/** u32: the emulated EFLAGS.IF: 1 when interrupts are disabled on this CPU. */
export const PCPU_IRQS_DISABLED: u32 = 2 * CACHELINE;
/** u32: private word that smp_mb() does its locked RMW on (the kernel's -4(%rsp)). */
export const PCPU_MB_SCRATCH: u32 = 3 * CACHELINE;
/** u32: a per-CPU counter for this_cpu_inc benchmarks and tests. */
export const PCPU_COUNTER: u32 = 4 * CACHELINE;
/** u64 x OPS_SLOTS: op counters of the counting build (two lines). */
export const PCPU_OPS: u32 = 5 * CACHELINE;
export const OPS_SLOTS: u32 = 16;
/** First line not used by this layout version: room for RCU, SRCU, tracepoint state. */
export const PCPU_FREE: u32 = 7 * CACHELINE;

/** Bytes of memory used by a machine of `cpus` CPUs. */
export function layout_end(cpus: u32): u32 {
  return PERCPU_BASE + cpus * PERCPU_STRIDE;
}
