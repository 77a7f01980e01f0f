// The model's inputs that nothing here executes (bindings/experiments/model-inputs.ts): each
// is printed with its source, settable (rcu-lab bench --cost NAME=CYCLES, checked), and the
// table's orderings are tested for sensitivity to it.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MODEL_INPUTS, Machine, OP_KINDS, STRATEGIES, defineBenchTracepoints, modelInputValues, modeledCycles, opCountsPerCall, parseCostSetting,
  parseProfile, sensitivity, withCosts, type CostProfile, type ModelRow, type OpKind,
} from "../dist/bindings/index.js";

const shippedPath = fileURLToPath(new URL("../profiles/amd-epyc-zen5-2vcpu.json", import.meta.url));
const shipped = parseProfile(fs.readFileSync(shippedPath, "utf8"), shippedPath);
const cli = fileURLToPath(new URL("../dist/bindings/cli/main.js", import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });
const NAMES = "irq-save, irq-restore, call, indirect-call";

describe("the inputs and their sources", () => {
  it("are irq save, irq restore, the out-of-line call and the indirect call; the shipped profile says each is measured in user mode, and by what", () => {
    expect(MODEL_INPUTS.map((i) => `${i.name}:${i.op}`)).toEqual(["irq-save:irq_save", "irq-restore:irq_restore", "call:call", "indirect-call:indirect_call"]);
    for (const v of modelInputValues(shipped)) {
      expect(v.cycles).toBe(shipped.inSequence!.cyclesPerOp[v.op]);
      expect(v.source).toMatch(/^measured here in user mode by /);
    }
    const [save, restore] = modelInputValues(shipped);
    expect(save.source).toMatch(/a stand-in.*cannot execute cli.*an estimate/);
    expect(restore.source).toMatch(/a stand-in.*cannot change IF.*an estimate/);
  });
});

describe("a cost set by the user", () => {
  let m: Machine;
  const rows: ModelRow[] = [];
  beforeAll(async () => {
    m = await Machine.create({ cpus: 1, build: "counting" });
    const tps = defineBenchTracepoints(m);
    for (const s of STRATEGIES) for (const context of ["task", "idle"] as const) for (const probes of s.keyEnabled ? [0, 1, 3] : [0]) {
      rows.push({ strategy: s.name, context, probes, ops: await opCountsPerCall(m, s, context, tps[probes]) });
    }
  });
  afterAll(() => m.close());

  it("changes the modeled cycles of exactly the rows whose op counts use it, by count x the change", () => {
    for (const i of MODEL_INPUTS) {
      const old = shipped.inSequence!.cyclesPerOp[i.op]!;
      const p = withCosts(shipped, { [i.name]: old + 7 }, "test");
      const users = rows.filter((r) => r.ops[i.op] > 0);
      expect(users.length, `${i.name}: some row uses it`).toBeGreaterThan(0);
      expect(users.length, `${i.name}: some row does not`).toBeLessThan(rows.length);
      for (const r of rows) {
        const d = modeledCycles(r.ops, p) - modeledCycles(r.ops, shipped);
        expect(d, `${i.name} on ${r.strategy}/${r.context}/${r.probes}`).toBeCloseTo(7 * r.ops[i.op], 9);
      }
      expect(modelInputValues(p).find((v) => v.name === i.name)).toMatchObject({ cycles: old + 7, source: `test: ${i.name}=${old + 7}` });
    }
  });

  it("rcu-lab bench --cost irq-save=40: the report's modeled cycles use 40 where Q > 0 and nothing else moves; the input is printed with its source", () => {
    const args = ["bench", "--cpus", "1", "--strategies", "plain,rcuidle-irq", "--probes", "1", "--iterations", "1000", "--reps", "1"];
    const r = run(...args, "--cost", "irq-save=40", "--json");
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    const set = withCosts(shipped, { "irq-save": 40 }, "x");
    for (const row of report.rows) {
      expect(row.modeledCycles).toBeCloseTo(modeledCycles(row.ops, set), 9);
      expect(row.modeledCycles === modeledCycles(row.ops, shipped)).toBe(row.ops.irq_save === 0);
    }
    expect(report.modelInputs[0]).toMatchObject({ name: "irq-save", cycles: 40, source: "set on the command line (--cost): irq-save=40" });
    expect(report.sensitivity).toHaveLength(2 * MODEL_INPUTS.length);
    const text = run(...args, "--cost", "irq-save=40", "--cost", "call=3").stdout;
    expect(text).toMatch(/^ {2}irq-save 40\.00 cycles: local_irq_save.*source: set on the command line \(--cost\): irq-save=40$/m);
    expect(text).toMatch(/^ {2}call 3\.00 cycles: .*call=3$/m);
    expect(text).toMatch(/^ {2}irq-restore 31\.00 cycles: .*source: measured here in user mode by a stand-in/m);
    expect(text).toMatch(/^sensitivity: strategy orderings by modeled cycles/m);
  }, 60_000);

  it.each([
    ["a negative number", "irq-save=-1", /--cost irq-save: '-1' is not a number of cycles in \[0, 10000\]/],
    ["not a number", "irq-save=abc", /'abc' is not a number of cycles/],
    ["nothing", "irq-save=", /'' is not a number of cycles/],
    ["infinity", "irq-save=Infinity", /'Infinity' is not a number of cycles/],
    ["NaN", "call=NaN", /--cost call: 'NaN' is not a number of cycles/],
    ["an unknown name", "cli=3", new RegExp(`unknown cost 'cli'; expected one of: ${NAMES}`)],
    ["no =", "irq-save", /--cost 'irq-save': expected NAME=CYCLES/],
  ])("refuses %s (parseCostSetting and the CLI, exit status 2, before measuring)", (_what, arg, msg) => {
    expect(() => parseCostSetting(arg)).toThrow(msg);
    const r = run("bench", "--cost", arg);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(msg);
    expect(r.stdout).toBe("");
  });

  it("accepts 0 (an op that hides entirely in its neighbours) and refuses the same cost given twice", () => {
    expect(parseCostSetting(" call = 0 ")).toEqual({ name: "call", cycles: 0 });
    const r = run("bench", "--cost", "call=1", "--cost", "call=2");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--cost call given twice \(call=1, call=2\)/);
  });
});

// Constructed profiles and rows: the only costs that count are irq_save (10 cycles) and read_once (0.75).
const zero = () => Object.fromEntries(OP_KINDS.map((k) => [k, 0])) as Record<OpKind, number>;
const ops = (o: Partial<Record<OpKind, number>>) => ({ ...zero(), ...o });
const profile: CostProfile = { ...shipped, inSequence: { cyclesPerOp: { irq_save: 10, read_once: 0.75 }, sources: { irq_save: "test", read_once: "test" } } };
type SensitivityFn = typeof sensitivity;

/** What is wrong with `fn` as the sensitivity report, on rows where a flip must happen and rows where none can. */
function sensitivityProblems(fn: SensitivityFn): string[] {
  const problems: string[] = [];
  const at = (r: ReturnType<SensitivityFn>, input: string, factor: number) => r.find((s) => s.input === input && s.factor === factor)!;
  // A = one irq save (10 cycles), B = 10 loads (7.5 cycles): B < A; halving irq-save makes A 5 < B, doubling keeps B < A.
  const must = fn([
    { strategy: "A", context: "task", probes: 1, ops: ops({ irq_save: 1 }) },
    { strategy: "B", context: "task", probes: 1, ops: ops({ read_once: 10 }) },
  ], profile);
  const half = at(must, "irq-save", 0.5);
  if (half?.changes.length !== 1) problems.push(`irq-save x0.5 must reorder A (10 -> 5) and B (7.5): got ${JSON.stringify(half?.changes)}`);
  else if (half.changes[0].before.join() !== "10,7.5" || half.changes[0].after.join() !== "5,7.5") problems.push(`wrong figures: ${JSON.stringify(half.changes[0])}`);
  if (at(must, "irq-save", 2)?.changes.length !== 0) problems.push("irq-save x2 keeps B < A, yet a change was reported");
  if (must.some((s) => s.input !== "irq-save" && s.changes.length)) problems.push("an input no row uses reordered rows");
  // None can: the same irq save in both rows (scaling moves both alike); or a flip-like pair split over two contexts, never compared.
  const none = [
    ...fn([
      { strategy: "A", context: "idle", probes: 1, ops: ops({ irq_save: 1 }) },
      { strategy: "B", context: "idle", probes: 1, ops: ops({ irq_save: 1, read_once: 4 }) },
    ], profile),
    ...fn([
      { strategy: "A", context: "task", probes: 1, ops: ops({ irq_save: 1 }) },
      { strategy: "B", context: "idle", probes: 1, ops: ops({ read_once: 10 }) },
      { strategy: "C", context: "task", probes: 3, ops: ops({ read_once: 10 }) },
    ], profile),
  ];
  const spurious = none.flatMap((s) => s.changes);
  if (spurious.length) problems.push(`no ordering can change, yet: ${JSON.stringify(spurious)}`);
  return problems;
}

describe("the sensitivity report", () => {
  it("reports the flip that must happen when an input is halved, and none where none can", () => {
    expect(sensitivityProblems(sensitivity)).toEqual([]);
  });

  it("broken variants fail the check: one that never reports a flip, one that compares rows of different contexts", () => {
    const never: SensitivityFn = (rows, p) => sensitivity(rows, p).map((s) => ({ ...s, changes: [] }));
    expect(sensitivityProblems(never).join("\n")).toMatch(/irq-save x0\.5 must reorder A/);
    const ungrouped: SensitivityFn = (rows, p) => sensitivity(rows.map((r) => ({ ...r, context: "task", probes: 1 })), p);
    expect(sensitivityProblems(ungrouped).join("\n")).toMatch(/no ordering can change, yet/);
  });
});
