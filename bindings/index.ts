// rcu-lab's public API.
export { Machine, type MachineOptions, type RunOptions, type RunAllOptions, type CommandResult } from "./machine.js";
export { CpuError, DeadlineError, MachineClosedError } from "./errors.js";
export { OP_KINDS, HOT_PERCPU_FIELDS, layoutEnd, maxCpus, perCpuAddr, readLayout, type Layout, type OpKind } from "./layout.js";
export type { Build, Platform } from "./platform/types.js";
export { summarize, type Summary } from "./stats.js";
export { runPrimitives, PRIMITIVES, type PrimitiveRow, type PrimitivesOptions, type PrimitivesReport } from "./primitives-run.js";
export { checkLayout, checkPerCpuOwnership } from "./layout-check.js";
export { createLocalCpu, type LocalCpu } from "./local.js";
