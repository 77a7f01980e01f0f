// rcu-lab's public API for browsers (the package's `browser` export condition): index.ts's
// API, plus the browser platform, which Machine.create needs as `options.platform` outside
// Node: Machine.create({ cpus: 2, platform: browserPlatform() }). The page in site/ is its
// user; README "In a browser" says how it runs.
// Not a blanket re-export of index.ts: a page resolves no bare specifier, and index.ts exports
// renderRecursion, a terminal table (cli-table3). So the list is index.ts's, minus the
// exports in NODE_ONLY_EXPORTS; test/browser.test.ts checks that the two stay in step and
// that nothing this file imports needs Node or a bare specifier.
export { Machine, type MachineOptions, type RunOptions, type RunAllOptions, type CommandResult } from "./machine/machine.js";
export { CpuError, DeadlineError, MachineClosedError, StartupTimeoutError } from "./machine/errors.js";
export type { KernelTiming } from "./machine/inspect.js";
export { createLocalCpu, type LocalCpu } from "./machine/local-cpu.js";
export { HOT_PERCPU_FIELDS, layoutEnd, maxCpus, perCpuAddr, readLayout, type Layout } from "./abi/layout.js";
export { checkLayout, checkPerCpuOwnership } from "./abi/layout-check.js";
export { FAULT_NAMES, OP_KINDS, USAGE_KINDS, type FaultName, type OpKind, type UsageKind } from "./abi/constants.js";
export type { Build, Platform } from "./platform/types.js";
export { Kernel } from "./kernel/kernel.js";
export { RcuFlavor, Rcu, SrcuStruct, GracePeriodTimeoutError, type GpOptions, type SrcuFlavor, type RcuFlavorName } from "./kernel/rcu.js";
export { Tracepoint, Tracepoints, TracepointError, PROBES, type ProbeName, type ReleaseChain } from "./kernel/tracepoint.js";
export { Interrupts, IRQ_ENTRIES, type IrqSchedule, type IrqEntry, type IrqDeliveries } from "./kernel/interrupts.js";
export { summarize, formatSummary, type Summary } from "./experiments/stats.js";
export { measure, type Measurement, type MeasureSpec } from "./experiments/measure.js";
export { runPrimitives, PRIMITIVES, type PrimitiveRow, type PrimitivesOptions, type PrimitivesReport } from "./experiments/primitives.js";
export { STRATEGIES, CONTEXTS, strategy, type Strategy, type Context, type BenchContext } from "./experiments/strategy-table.js";
export { runStrategyBench, opCountsPerCall, defineBenchTracepoints, type StrategyReport, type StrategyRow } from "./experiments/strategy-bench.js";
export { parseProfile, modeledCycles, type CostProfile } from "./experiments/costs.js";
export { MODEL_INPUTS, modelInput, parseCostSetting, withCosts, modelInputValues, orderingChanges, sensitivity, type ModelInput, type ModelInputValue, type ModelRow, type OrderingChange, type Sensitivity } from "./experiments/model-inputs.js";
export { calibrateProfile, measureGhz, stableGhz, UnstableClockError, DEFAULT_MAX_SPREAD, type CalibrateOptions } from "./experiments/calibrate.js";
export { runTorture, TORTURE_FLAVORS, TORTURE_FAULTS, FAULT_FLAVORS, type TortureOptions, type TortureReport } from "./experiments/torture.js";
export type { Verdict } from "./experiments/verdict.js";
export { runTpTorture, PROBE_KINDS, type ProbeKind, type TpTortureOptions, type TpTortureReport } from "./experiments/tp-torture.js";
export { runSafety, safetyOf, parseSafety, SHIPPED_SAFETY_URL, type SafetyReport, type SafetyCell, type SafetyOptions } from "./experiments/safety.js";
export { renderTorture, renderTpTorture } from "./cli/render-torture.js";
export { validate as validateJsonSchema, type JsonSchema } from "./experiments/json-schema.js";
export { parseScenario, checkSchema, schemaEnums, ScenarioError, type Scenario, type Variant, type MixEntry } from "./experiments/scenario-parse.js";
export { PATHS, PATH_NAMES, BODIES, BODY_NAMES, drainRing, setBody, writeMix, pathCounts, rcuidleStats, type PathDef, type BodyDef, type RingEvent } from "./experiments/scenario-paths.js";
export { runScenario, SCENARIO_REPORT_SCHEMA, type ScenarioReport, type ScenarioRow, type RunScenarioOptions } from "./experiments/scenario.js";
export { runTraced, type TraceResult, type ChromeEvent } from "./experiments/scenario-trace.js";
export { GUARDS, SCENARIOS as RECURSION_SCENARIOS, guard, scenario as recursionScenario, runScenario as runRecursionScenario, readCounts, setLabFaults, type Guard, type Scenario as RecursionScenario, type RecursionCounts } from "./experiments/recursion.js";
export { runRecursionTable, guardOpCounts, type RecursionReport, type RecursionCell, type GuardCost } from "./experiments/recursion-table.js";

export { browserPlatform, browserSupport, type BrowserPlatformOptions } from "./platform/browser.js";
/** The shipped cost profile (a page fetches it; SHIPPED_SAFETY_URL, the safety table, comes with the list above). */
export { SHIPPED_PROFILE_URL } from "./experiments/costs.js";
/** index.ts's exports left out here, with why. */
export const NODE_ONLY_EXPORTS: Readonly<Record<string, string>> = { renderRecursion: "a terminal table: imports cli-table3" };
