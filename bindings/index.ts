// rcu-lab's public API.
export { Machine, type MachineOptions, type RunOptions, type RunAllOptions, type CommandResult } from "./machine.js";
export { CpuError, DeadlineError, MachineClosedError } from "./errors.js";
export { OP_KINDS, HOT_PERCPU_FIELDS, layoutEnd, maxCpus, perCpuAddr, readLayout, type Layout, type OpKind } from "./layout.js";
export type { Build, Platform } from "./platform/types.js";
export { summarize, type Summary } from "./stats.js";
export { runPrimitives, PRIMITIVES, type PrimitiveRow, type PrimitivesOptions, type PrimitivesReport } from "./primitives-run.js";
export { checkLayout, checkPerCpuOwnership } from "./layout-check.js";
export { createLocalCpu, type LocalCpu } from "./local.js";
export { Rcu, SrcuStruct, GracePeriodTimeoutError, type GpOptions, type SrcuFlavor } from "./rcu.js";
export { Tracepoint, Tracepoints, TracepointError, PROBES, type ProbeName, type ReleaseChain } from "./tracepoint.js";
export { STRATEGIES, strategy, runStrategyBench, opCountsPerCall, type Strategy, type StrategyReport, type StrategyRow } from "./strategies.js";
export { parseProfile, calibrateProfile, modeledCycles, measureGhz, type CostProfile } from "./costs.js";
export { runTorture, renderTorture, TORTURE_FLAVORS, TORTURE_FAULTS, type TortureOptions, type TortureReport } from "./torture.js";
export { runTpTorture, renderTpTorture, type TpTortureOptions, type TpTortureReport } from "./tp-torture.js";
export { FAULTS, USAGE_KINDS, type FaultName, type UsageKind } from "./faults.js";
