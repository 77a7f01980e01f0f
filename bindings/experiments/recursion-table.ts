// The recursion table: every guard x scenario with its counts (recursion.ts), and each
// guard's cost per call as the strategy table has them: ns (the one measurement loop, on a
// release machine), calibrated cycles, exact op counts (counting build) and modeled cycles
// (op counts x the cost profile). Schema "rcu-lab/recursion@1", documented in docs/recursion.md.
import { OP_KINDS, type OpKind } from "../abi/constants.js";
import type { LocalCpu } from "../machine/local-cpu.js";
import type { Machine } from "../machine/machine.js";
import { measureGhz } from "./calibrate.js";
import { modeledCycles, type CostProfile } from "./costs.js";
import { checkIterations, measure } from "./measure.js";
import { GUARDS, SCENARIOS, guard, runScenario, scenario, type RecursionCounts } from "./recursion.js";
import type { Summary } from "./stats.js";

export interface GuardCost {
  nsPerCall: Summary;
  /** nsPerCall x the clock measured at the start of the run. */
  cyclesPerCall: Summary;
  ops: Record<OpKind, number>;
  modeledCycles: number;
}

export interface RecursionCell extends RecursionCounts {
  /** Tracer A's guard (and B's, unless the report's guardB says otherwise). */
  guard: string;
  scenario: string;
}

export interface RecursionReport {
  schema: "rcu-lab/recursion@1";
  /** Emulated stack limit (frames) beyond which a recursion counts as a crash. */
  stackLimitFrames: number;
  seed: number;
  randomSteps: number;
  /** Tracer B's guard in every cell, when not the cell's own (--guard-b); absent: the same as A's. */
  guardB?: string;
  guards: { name: string; standsFor: string; cost?: GuardCost }[];
  scenarios: { name: string; what: string }[];
  cells: RecursionCell[];
  /** Absent with costs: false. */
  costs?: { ghz: Summary; profile: { name: string; source: string }; iterations: number; reps: number; cores: number };
}

export interface RecursionOptions {
  guards?: readonly string[];
  scenarios?: readonly string[];
  /** Tracer B's guard in every cell (default: the cell's guard). */
  guardB?: string;
  seed?: number;
  randomSteps?: number;
  /** Measure the guards' cost per call (needs `machine` and `counting`); default true. */
  costs?: boolean;
  iterations?: number;
  reps?: number;
  onProgress?: (done: number, total: number, what: string) => void;
}

/** Exact op counts of one try + release of `guardName`, from a local CPU of the counting build. */
export function guardOpCounts(counting: LocalCpu, guardName: string, n = 1000): Record<OpKind, number> {
  const L = counting.layout;
  if (L.COUNTING_BUILD !== 1) throw new Error("op counts need a local CPU of the counting build: createLocalCpu(platform, \"counting\")");
  const ops = new BigUint64Array(counting.memory.buffer, L.PERCPU_BASE + L.PCPU_OPS, OP_KINDS.length);
  counting.exports.rec_lab_reset(0);
  const before = [...ops];
  counting.exports[guard(guardName).loop](n);
  const out = {} as Record<OpKind, number>;
  OP_KINDS.forEach((k, i) => (out[k] = Number(ops[i] - before[i]) / n));
  return out;
}

/**
 * ns and cycles per try + release of each guard on CPU 0 of the release machine `m`; cycles
 * from the clock measured beside each batch (measure()'s clockBeside), as the strategy table's.
 */
async function guardCost(m: Machine, guardName: string, iterations: number, reps: number): Promise<{ ns: Summary; cycles: Summary }> {
  await m.run(0, "rec_lab_reset", [0]);
  const r = await measure(m, { command: guard(guardName).loop, iterations, reps, cpus: [0], clockBeside: true });
  return { ns: r.nsPerOp, cycles: r.cyclesPerOp! };
}

function pick<T extends { name: string }>(what: string, all: readonly T[], names: readonly string[] | undefined, one: (n: string) => T): readonly T[] {
  if (!names) return all;
  if (names.length === 0) throw new RangeError(`${what}: choose at least one of ${all.map((x) => x.name).join(", ")}`);
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  if (twice.length) throw new RangeError(`${what} '${twice[0]}' given more than once; list each once`);
  return names.map(one);
}

/**
 * Every guard x scenario on the local CPU `local` (release or counting: the counts are the
 * same), and, with costs, each guard's cost per call on machine `m` and local CPU `counting`.
 */
export async function runRecursionTable(
  local: LocalCpu, o: RecursionOptions = {}, costs?: { machine: Machine; counting: LocalCpu; profile: CostProfile },
): Promise<RecursionReport> {
  const guards = pick("guard", GUARDS, o.guards, guard);
  const scenarios = pick("scenario", SCENARIOS, o.scenarios, scenario);
  if (o.guardB !== undefined) guard(o.guardB);
  const seed = o.seed ?? 1;
  const randomSteps = o.randomSteps ?? 2000;
  const withCosts = o.costs ?? true;
  if (withCosts && !costs) throw new Error("guard costs need a release Machine, a counting local CPU and a cost profile (or costs: false)");
  const iterations = o.iterations ?? 1_000_000;
  const reps = o.reps ?? 5;
  if (withCosts) checkIterations(iterations, reps);
  const total = guards.length * (scenarios.length + (withCosts ? 1 : 0));
  let done = 0;
  const cells: RecursionCell[] = [];
  for (const s of scenarios) {
    for (const g of guards) {
      o.onProgress?.(done++, total, `${s.name}, ${g.name}`);
      cells.push({ guard: g.name, scenario: s.name, ...runScenario(local, s.name, g.name, { seed, arg: s.random ? randomSteps : 1, guardB: o.guardB }) });
    }
  }
  const out: RecursionReport = {
    schema: "rcu-lab/recursion@1", stackLimitFrames: local.layout.REC_STACK_LIMIT, seed, randomSteps, ...(o.guardB ? { guardB: o.guardB } : {}),
    guards: guards.map((g) => ({ name: g.name, standsFor: g.standsFor })),
    scenarios: scenarios.map((s) => ({ name: s.name, what: s.what })), cells,
  };
  if (withCosts && costs) {
    const { machine, counting, profile } = costs;
    const ghz = await measureGhz(machine);
    for (const g of out.guards) {
      o.onProgress?.(done++, total, `cost of ${g.name}`);
      const { ns, cycles } = await guardCost(machine, g.name, iterations, reps);
      const ops = guardOpCounts(counting, g.name);
      g.cost = {
        nsPerCall: ns, cyclesPerCall: cycles,
        ops, modeledCycles: modeledCycles(ops, profile),
      };
    }
    out.costs = { ghz, profile: { name: profile.name, source: profile.source }, iterations, reps, cores: machine.platform.cores() };
  }
  o.onProgress?.(total, total, "done");
  return out;
}
