// rcu-lab's public API, and nothing else. The layers behind it are described in
// docs/architecture.md.
export { Machine, type MachineOptions, type RunOptions, type RunAllOptions, type CommandResult } from "./machine/machine.js";
export { CpuError, DeadlineError, MachineClosedError } from "./machine/errors.js";
export type { KernelTiming } from "./machine/inspect.js";
export { createLocalCpu, type LocalCpu } from "./machine/local-cpu.js";
export { HOT_PERCPU_FIELDS, layoutEnd, maxCpus, perCpuAddr, readLayout, type Layout } from "./abi/layout.js";
export { checkLayout, checkPerCpuOwnership } from "./abi/layout-check.js";
export { FAULT_NAMES, OP_KINDS, USAGE_KINDS, type FaultName, type OpKind, type UsageKind } from "./abi/constants.js";
export type { Build, Platform } from "./platform/types.js";
export { Kernel } from "./kernel/kernel.js";
export { RcuFlavor, Rcu, SrcuStruct, GracePeriodTimeoutError, type GpOptions, type SrcuFlavor, type RcuFlavorName } from "./kernel/rcu.js";
export { Interrupts, IRQ_ENTRIES, type IrqSchedule, type IrqEntry, type IrqDeliveries } from "./kernel/interrupts.js";
export { Tracepoint, Tracepoints, TracepointError, PROBES, type ProbeName, type ReleaseChain } from "./kernel/tracepoint.js";
export { summarize, formatSummary, type Summary } from "./experiments/stats.js";
export { measure, type Measurement, type MeasureSpec } from "./experiments/measure.js";
export { runPrimitives, PRIMITIVES, type PrimitiveRow, type PrimitivesOptions, type PrimitivesReport } from "./experiments/primitives.js";
export { STRATEGIES, CONTEXTS, strategy, type Strategy, type Context, type BenchContext } from "./experiments/strategy-table.js";
export { runStrategyBench, opCountsPerCall, defineBenchTracepoints, type StrategyReport, type StrategyRow } from "./experiments/strategy-bench.js";
export { parseProfile, modeledCycles, type CostProfile } from "./experiments/costs.js";
export { calibrateProfile, measureGhz, stableGhz, UnstableClockError, DEFAULT_MAX_SPREAD, type CalibrateOptions } from "./experiments/calibrate.js";
export { runTorture, TORTURE_FLAVORS, TORTURE_FAULTS, FAULT_FLAVORS, type TortureOptions, type TortureReport } from "./experiments/torture.js";
export type { Verdict } from "./experiments/verdict.js";
export { runTpTorture, PROBE_KINDS, type ProbeKind, type TpTortureOptions, type TpTortureReport } from "./experiments/tp-torture.js";
export { runSafety, safetyOf, parseSafety, SHIPPED_SAFETY_URL, type SafetyReport, type SafetyCell, type SafetyOptions } from "./experiments/safety.js";
export { renderTorture, renderTpTorture } from "./cli/render-torture.js";
