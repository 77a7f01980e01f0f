// The shared-memory layout, read from the module's exported immutable globals
// (assembly/layout.ts), together with the module's other exported constants
// (constants.ts). Nothing here hard-codes an offset or a value the module defines.
import { REQUIRED_CONSTANTS, constantsProblems } from "./constants.js";

/** Layout globals the bindings rely on; the module exports more, all of which are read. */
const REQUIRED_GLOBALS = [
  "LAYOUT_VERSION", "LAYOUT_MAGIC", "MAXIMUM_MEMORY_PAGES", "WASM_PAGE_SIZE", "CACHELINE", "NR_CPUS",
  "NR_EXTRA_CONTEXTS", "NULL_PAGE_SIZE", "HDR_BASE", "HDR_MAGIC", "HDR_LAYOUT_VERSION", "HDR_NR_CPUS",
  "HDR_BARRIER_ARRIVED", "HDR_SIZE", "SHARED_BASE", "SHARED_WORDS", "SHARED_STRIDE", "MAILBOX_BASE",
  "MAILBOX_STRIDE", "MB_REQ_SEQ", "MB_CMD", "MB_BARRIER_N", "MB_ARGS", "MB_NR_ARGS", "MB_ACK_SEQ", "MB_STATUS",
  "MB_ERR_LEN", "MB_RESULT", "MB_ELAPSED_NS", "MB_ERR_TEXT", "MB_ERR_TEXT_SIZE", "PERCPU_BASE",
  "PERCPU_STRIDE", "PCPU_CPU_ID", "PCPU_PREEMPT_COUNT", "PCPU_IRQS_DISABLED", "PCPU_MB_SCRATCH",
  "PCPU_COUNTER", "PCPU_OPS", "OPS_SLOTS", "PCPU_FREE", "COUNTING_BUILD", "NR_OP_KINDS", "PREEMPT_ENABLED",
  "PCPU_RCU_DYNTICKS", "PCPU_RCU_NESTING", "PCPU_RCU_NMI_NESTING", "PCPU_RCU_QS", "PCPU_RCU_QS_REPORT",
  "PCPU_RCU_SNAP", "PCPU_USAGE", "PCPU_SRCU", "PCPU_TORTURE_PIPE", "PCPU_TORTURE_BATCH", "PCPU_TORTURE_MISC",
  "PCPU_PRNG", "PCPU_OPS_PAUSED", "PCPU_CT_STATE", "PCPU_SRCU_HELD", "PCPU_TRACING_IRQ_CPU", "RCU_GP_SEQ", "RCU_GP_SEQ_NEEDED", "RCU_GP_WAKE", "RCU_EXP_SEQ_NEEDED",
  "RCU_GP_PRIV", "RCU_FAULTS", "RCU_FAULT_ARG", "NR_SRCU", "SRCU_BASE", "SRCU_STRIDE", "SRCU_GP_SEQ",
  "RCU_TORTURE_PIPE_LEN", "TORTURE_N_GPS", "TORTURE_N_ALLOC", "TORTURE_N_FREE", "TM_MBERROR", "TM_SECTIONS", "TM_MIGRATIONS", "TM_STALLS", "TM_LONG_DELAYS", "TORTURE_WCOUNT", "TM_CFG_LONG", "PCPU_TP", "TPS_CALLS",
  "TPS_UAF", "TPS_SPIN", "TPS_COUNT", "PCPU_PROBE_STATS", "PRS_RCU_CALLS", "PRS_RCU_UAF", "PRS_TICKS", "PRS_TICK_QS", "PRS_EMPTY_ALL_ONES", "PROBE_RCU_BASE", "PRC_REPLACED", "PRC_FREED", "TP_ARENA_PRIV", "TPA_FREES", "TP_MAX_PROBES", "NR_PROBE_ARRAYS", "NR_TRACEPOINTS",
  "HZ", "JIFFY_US", "RCU_JIFFIES_TILL_FORCE_QS", "RCU_JIFFIES_FQS_DIV", "SRCU_INTERVAL", "SRCU_RETRY_CHECK_DELAY_US",
  "SRCU_EXP_HOLDOFF_US", "GP_PRIV_START_US", "GP_PRIV_NEXT_FQS", "GP_PRIV_LAST_FQS_US", "GP_PRIV_FQS",
  "SRCU_PRIV_NEXT_US", "SRCU_PRIV_GP_START_US", "SRCU_PRIV_LAST_TRY_US", "SRCU_PRIV_LAST_TRY_CHECKS", "SRCU_PRIV_SCANS",
  "SRCU_PRIV_TRYCOUNT", "SRCU_PRIV_FIRST_SCAN_US",
  "SCN_RCUIDLE_BODY", "SCN_MIX_NR", "SCN_MIX_TP", "SCN_MIX_NOHZ_FULL", "SCN_TRACE_DROP", "SCN_MIX_PATH", "SCN_MIX_CUM", "NR_MIX_PATHS",
  "PCPU_PATH_COUNTS", "PCPU_RCUIDLE_STATS", "RIS_CALLS", "RIS_WATCHING", "RIS_OFF_CALLS", "RIS_OFF_WATCHING", "RING_BASE", "RING_STRIDE", "RING_HEAD", "RING_TAIL", "RING_DROPS", "RING_OVERWRITES", "RING_ENTRIES",
  "RING_ENTRY_SIZE", "RING_SIZE",
  "PCPU_BPF_PROG_ACTIVE", "PCPU_PERF_RECURSION", "PCPU_IRQ_STACK_FLAG", "PCPU_NMI_STACK_FLAG", "PCPU_REC_CPU", "PCPU_REC_LAB", "REC_LAB_SIZE",
  "RCU_EXP_SEQ", "RCU_EXP_MASK", "RCU_EXP_PRIV", "EXP_PRIV_COMPLETED", "EXP_PRIV_IPIS", "EXP_PRIV_SKIPPED",
  "PCPU_IRQ_PENDING", "IRQ_CSD", "PCPU_IRQ_CFG", "IRQ_CFG_MODE", "IRQ_CFG_ENTRY", "IRQ_CFG_ARG", "PCPU_IRQ_STATS",
  "IRQ_ST_DEVICE", "IRQ_ST_TIMER", "IRQ_ST_IPI", "IRQ_ST_EXP_HANDLER", "IRQ_ST_EXP_REPORTED",
  ...REQUIRED_CONSTANTS,
] as const;

export type LayoutName = (typeof REQUIRED_GLOBALS)[number];
/** Every exported global of the module by name; the required ones are typed. */
export type Layout = Readonly<Record<LayoutName, number>> & Readonly<Record<string, number>>;

/** Per-CPU fields that must each start a cache line of their own. */
export const HOT_PERCPU_FIELDS: readonly LayoutName[] = [
  "PCPU_CPU_ID", "PCPU_PREEMPT_COUNT", "PCPU_IRQS_DISABLED", "PCPU_MB_SCRATCH", "PCPU_COUNTER", "PCPU_OPS",
  "PCPU_RCU_DYNTICKS", "PCPU_RCU_NESTING", "PCPU_RCU_NMI_NESTING", "PCPU_RCU_QS", "PCPU_RCU_QS_REPORT",
  "PCPU_RCU_SNAP", "PCPU_USAGE", "PCPU_SRCU", "PCPU_TORTURE_PIPE", "PCPU_TORTURE_BATCH", "PCPU_TORTURE_MISC",
  "PCPU_PRNG", "PCPU_OPS_PAUSED", "PCPU_CT_STATE", "PCPU_SRCU_HELD", "PCPU_TRACING_IRQ_CPU", "PCPU_PATH_COUNTS", "PCPU_RCUIDLE_STATS",
  "PCPU_BPF_PROG_ACTIVE", "PCPU_PERF_RECURSION", "PCPU_IRQ_STACK_FLAG", "PCPU_NMI_STACK_FLAG", "PCPU_REC_CPU",
  "PCPU_REC_LAB", // not hot, but 11 lines that must not overlap a field nor run past PCPU_FREE
  "PCPU_IRQ_PENDING", "PCPU_IRQ_CFG", "PCPU_IRQ_STATS",
];

/**
 * Read the layout from a compiled module: instantiate it once over a one-page scratch
 * memory (the module has no start function, so this runs no code) and read its globals.
 */
export function readLayout(module: WebAssembly.Module): Layout {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  const table = new WebAssembly.Table({ initial: 64, element: "anyfunc" });
  const { exports } = new WebAssembly.Instance(module, { env: { memory, table, host_probe: () => {} } });
  const out: Record<string, number> = {};
  for (const [name, g] of Object.entries(exports)) {
    if (g instanceof WebAssembly.Global) out[name] = typeof g.value === "bigint" ? Number(g.value) : Number(g.value) >>> 0;
  }
  for (const name of REQUIRED_GLOBALS) {
    if (!(name in out)) throw new Error(`the wasm module does not export the layout global ${name}; rebuild with npm run build`);
  }
  const problems = constantsProblems(out);
  if (problems.length) throw new Error(`the wasm module and the bindings disagree (rebuild with npm run build):\n  - ${problems.join("\n  - ")}`);
  return out as Layout;
}

/** Bytes a machine of `cpus` CPUs uses (assembly/layout.ts layout_end). */
export function layoutEnd(layout: Layout, cpus: number): number {
  return layout.PERCPU_BASE + (cpus + layout.NR_EXTRA_CONTEXTS) * layout.PERCPU_STRIDE;
}

/** The largest CPU count this module allows: NR_CPUS and the maximum memory. */
export function maxCpus(layout: Layout): number {
  const bytes = layout.MAXIMUM_MEMORY_PAGES * layout.WASM_PAGE_SIZE;
  const byMemory = Math.floor((bytes - layout.PERCPU_BASE) / layout.PERCPU_STRIDE) - layout.NR_EXTRA_CONTEXTS;
  return Math.min(layout.NR_CPUS, byMemory);
}

/** Context ids of the contexts that are not CPUs. */
export const kthreadContext = (cpus: number) => cpus;
export const hostContext = (cpus: number) => cpus + 1;

/** Address of CPU `cpu`'s copy of a per-CPU field. */
export function perCpuAddr(layout: Layout, cpu: number, field: number): number {
  return layout.PERCPU_BASE + cpu * layout.PERCPU_STRIDE + field;
}

/** Address of shared word `i`. */
export function sharedWordAddr(layout: Layout, i: number): number {
  if (!Number.isInteger(i) || i < 0 || i >= layout.SHARED_WORDS) {
    throw new RangeError(`shared word ${i} does not exist: expected an integer in 0..${layout.SHARED_WORDS - 1}`);
  }
  return layout.SHARED_BASE + i * layout.SHARED_STRIDE;
}
