// The model's inputs that no WebAssembly executes: the cost of what the kernel runs and the
// emulation cannot (cli and a popf that sets IF, which user mode cannot execute either; an
// out-of-line call and ret; an indirect call, through a retpoline thunk where the kernel
// has retpolines). Modeled cycles rest on them, and no measurement here can check them, so
// each is a named input: the table prints it with its source, the user may set it (rcu-lab
// bench --cost NAME=CYCLES, or the profile's inSequence.cyclesPerOp), and the report says
// which orderings of the table change when it is halved or doubled.
import type { OpKind } from "../abi/constants.js";
import { MAX_CYCLES_PER_OP, modeledCycles, modeledCyclesPerOp, modeledSource, type CostProfile } from "./costs.js";

export interface ModelInput {
  /** The name on the command line (--cost NAME=CYCLES). */
  readonly name: string;
  readonly op: OpKind;
  /** What the kernel executes there, and why nothing here executes it. */
  readonly kernel: string;
}

export const MODEL_INPUTS: readonly ModelInput[] = [
  { name: "irq-save", op: "irq_save", kernel: "local_irq_save: pushf; pop; cli (user mode cannot execute cli)" },
  { name: "irq-restore", op: "irq_restore", kernel: "local_irq_restore: push; popf setting IF (a user-mode popf leaves IF as it is)" },
  { name: "call", op: "call", kernel: "an out-of-line call and ret (a WebAssembly call is V8's call sequence, or inlined)" },
  { name: "indirect-call", op: "indirect_call", kernel: "call *%reg, or __x86_indirect_thunk_<reg> where the kernel has retpolines (call_indirect checks a table instead)" },
];

/** The input named `name`; a RangeError listing the valid names otherwise. */
export function modelInput(name: string): ModelInput {
  const i = MODEL_INPUTS.find((x) => x.name === name);
  if (!i) throw new RangeError(`unknown cost '${name}'; expected one of: ${MODEL_INPUTS.map((x) => x.name).join(", ")}`);
  return i;
}

/** "irq-save=12.5" -> { name, cycles }: a known input and a finite number of cycles in [0, MAX_CYCLES_PER_OP]. */
export function parseCostSetting(text: string): { name: string; cycles: number } {
  const eq = text.indexOf("=");
  if (eq < 0) throw new RangeError(`--cost '${text}': expected NAME=CYCLES, e.g. irq-save=20 (names: ${MODEL_INPUTS.map((x) => x.name).join(", ")})`);
  const name = modelInput(text.slice(0, eq).trim()).name;
  const v = text.slice(eq + 1).trim(), cycles = Number(v);
  if (v === "" || !Number.isFinite(cycles) || cycles < 0 || cycles > MAX_CYCLES_PER_OP) {
    throw new RangeError(`--cost ${name}: '${v}' is not a number of cycles in [0, ${MAX_CYCLES_PER_OP}] (one op in a sequence, e.g. ${name}=20)`);
  }
  return { name, cycles };
}

/** `p` with the inputs of `costs` (cycles of one op in a sequence) set, each source saying `how`. */
export function withCosts(p: CostProfile, costs: Readonly<Record<string, number>>, how: string): CostProfile {
  const cyclesPerOp = { ...p.inSequence?.cyclesPerOp }, sources = { ...p.inSequence?.sources };
  for (const [name, cycles] of Object.entries(costs)) {
    const { op } = modelInput(name);
    cyclesPerOp[op] = cycles;
    sources[op] = `${how}: ${name}=${cycles}`;
  }
  return { ...p, inSequence: { cyclesPerOp, sources } };
}

export interface ModelInputValue extends ModelInput {
  /** Cycles the model charges one such op (in a sequence). */
  cycles: number;
  source: string;
}

export function modelInputValues(p: CostProfile): ModelInputValue[] {
  return MODEL_INPUTS.map((i) => ({ ...i, cycles: modeledCyclesPerOp(p, i.op), source: modeledSource(p, i.op) }));
}

/** A row the model prices: one strategy in one context with `probes` probes attached. */
export interface ModelRow {
  strategy: string;
  context: string;
  probes: number;
  ops: Record<OpKind, number>;
}

/** Two strategies of one context/probes group whose order by modeled cycles changes: a < b, a = b or a > b before and after. */
export interface OrderingChange {
  context: string;
  probes: number;
  a: string;
  b: string;
  before: [number, number];
  after: [number, number];
}

export interface Sensitivity {
  input: string;
  factor: number;
  /** The input's cycles so varied. */
  cycles: number;
  changes: OrderingChange[];
}

/** -1, 0, 1: x against y, equal within a relative 1e-9 (sums of the same products in another order). */
const order = (x: number, y: number) => (Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y)) ? 0 : Math.sign(x - y));

/** The pairs of strategies, within each context/probes group of `rows`, ordered otherwise by `q` than by `p`. */
export function orderingChanges(rows: readonly ModelRow[], p: CostProfile, q: CostProfile): OrderingChange[] {
  const groups = new Map<string, ModelRow[]>();
  for (const r of rows) {
    const g = groups.get(`${r.context}|${r.probes}`) ?? [];
    if (!g.some((x) => x.strategy === r.strategy)) g.push(r); // a strategy's rows of other scopes have the same ops
    groups.set(`${r.context}|${r.probes}`, g);
  }
  const out: OrderingChange[] = [];
  for (const g of groups.values()) {
    const before = g.map((r) => modeledCycles(r.ops, p)), after = g.map((r) => modeledCycles(r.ops, q));
    for (let i = 0; i < g.length; i++) {
      for (let j = i + 1; j < g.length; j++) {
        if (order(before[i], before[j]) === order(after[i], after[j])) continue;
        out.push({ context: g[i].context, probes: g[i].probes, a: g[i].strategy, b: g[j].strategy, before: [before[i], before[j]], after: [after[i], after[j]] });
      }
    }
  }
  return out;
}

/** For every input and factor (default halved and doubled): the orderings of `rows` by modeled cycles that change. */
export function sensitivity(rows: readonly ModelRow[], p: CostProfile, factors: readonly number[] = [0.5, 2]): Sensitivity[] {
  return MODEL_INPUTS.flatMap((i) =>
    factors.map((factor) => {
      const cycles = modeledCyclesPerOp(p, i.op) * factor;
      return { input: i.name, factor, cycles, changes: orderingChanges(rows, p, withCosts(p, { [i.name]: cycles }, `x${factor}`)) };
    }),
  );
}
