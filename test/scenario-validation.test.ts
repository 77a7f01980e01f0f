import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { BODY_NAMES, PATH_NAMES, ScenarioError, checkSchema, parseScenario, schemaEnums, validateJsonSchema } from "../dist/bindings/index.js";

// Scenario files (issue 10, part 3): checked against the shipped scenarios/schema.json, then
// against what the schema cannot say. Every error names the field, what was expected and
// what was found.
const schema = JSON.parse(fs.readFileSync(new URL("../scenarios/schema.json", import.meta.url), "utf8"));

const good = {
  name: "t", cpus: 1, iterations: 1000,
  mix: [{ path: "syscall", kernel: "v5.6", weight: 1 }, { path: "irq-off-on", kernel: "v5.8", weight: 2 }],
  strategies: ["off", "rcuidle-srcu-irq"],
};

function problems(doc: unknown): string[] {
  try {
    parseScenario(typeof doc === "string" ? doc : JSON.stringify(doc), "bad.json", schema); // a string: the file's text as is
  } catch (e) {
    if (e instanceof ScenarioError) return [...e.problems];
    throw e;
  }
  return [];
}

describe("scenario validation (scenarios/schema.json)", () => {
  it("the schema uses only keywords the validator implements, and its enums name the paths and strategies the bindings know", () => {
    expect(() => checkSchema(schema)).not.toThrow();
    const e = schemaEnums(schema);
    expect([...e.paths].sort()).toEqual([...PATH_NAMES].sort());
    expect([...e.strategies].sort()).toEqual([...BODY_NAMES].sort());
    // broken variant: a schema with a keyword outside the subset is refused, not ignored
    expect(() => checkSchema({ ...schema, patternProperties: {} })).toThrow(/patternProperties/);
  });

  it("a valid file parses", () => {
    expect(problems(good)).toEqual([]);
    const sc = parseScenario(JSON.stringify(good), "good.json", schema);
    expect(sc.variants.map((v) => v.mix.map((m) => `${m.path.name}@${m.path.kernel}`))).toEqual([["syscall@v5.6", "irq-off-on@v5.8"]]);
    expect(sc).toMatchObject({ reps: 5, seed: 1, probes: ["count"], updater: { cyclesPerBatch: 0 } });
  });

  const { cpus: _c, ...noCpus } = good;
  const { iterations: _i, ...noIterations } = good;
  const cases: [string, unknown, RegExp][] = [
    ["missing cpus", noCpus, /^cpus: required field missing/],
    ["neither iterations nor durationMs", noIterations, /expected exactly one of iterations or durationMs; found none/],
    ["both iterations and durationMs", { ...good, durationMs: 10 }, /expected exactly one of iterations or durationMs; found iterations and durationMs/],
    ["cpus of the wrong type", { ...good, cpus: "2" }, /^cpus: expected an integer, found a string "2"/],
    ["zero CPUs", { ...good, cpus: 0 }, /^cpus: expected a number >= 1, found 0/],
    ["a fractional iteration count", { ...good, iterations: 1.5 }, /^iterations: expected an integer, found a number 1.5/],
    ["an unknown strategy", { ...good, strategies: ["off", "rcu-magic"] }, /^strategies\[1\]: expected one of "off", .*found a string "rcu-magic"/],
    ["an unknown path", { ...good, mix: [{ path: "page-fault", weight: 1 }] }, /^mix\[0\]\.path: expected one of "syscall", .*found a string "page-fault"/],
    ["a negative weight", { ...good, mix: [{ path: "syscall", weight: -1 }] }, /^mix\[0\]\.weight: expected a number >= 0, found -1/],
    ["weights that add up to 0", { ...good, mix: [{ path: "syscall", weight: 0 }] }, /^mix: expected weights that add up to more than 0; found 0/],
    ["weights whose sum overflows", { ...good, mix: [{ path: "syscall", weight: 1e308 }, { path: "irq-off-on", kernel: "v5.8", weight: 1e308 }] }, /^mix: expected weights whose sum is a finite number .*found 1e\+308 \+ 1e\+308, which overflows/],
    ["a variant's weights whose sum overflows", { ...good, variants: [{ name: "a", mix: [{ path: "syscall", weight: 1e308 }, { path: "syscall", weight: 1e308 }] }] }, /^variants\[0\]\.mix: expected weights whose sum is a finite number/],
    ["an unknown kernel version", { ...good, mix: [{ path: "syscall", kernel: "v4.19", weight: 1 }] }, /^mix\[0\]\.kernel: expected one of "v5.6", "v5.8"; found a string "v4.19"/],
    ["a path not in that kernel version", { ...good, mix: [{ path: "sched-point", kernel: "v5.8", weight: 1 }] }, /^mix\[0\]\.kernel: path 'sched-point' exists in v5.6; found a string "v5.8"/],
    ["an unknown field", { ...good, nohz: true }, /^nohz: unknown field; expected one of name, description, .*nohzFull/],
    ["mix not an array", { ...good, mix: { path: "syscall" } }, /^mix: expected an array, found an object/],
    ["a baseline that is not compared", { ...good, baseline: "rcuidle-watching" }, /^baseline: expected one of the scenario's strategies \(off, rcuidle-srcu-irq\); found a string "rcuidle-watching"/],
    ["an interrupt schedule without its rate", { ...good, interrupts: { kind: "tick" } }, /^interrupts\.hz: required field missing/],
    ["everyOps on a tick schedule", { ...good, interrupts: { kind: "tick", hz: 250, everyOps: 100 } }, /^interrupts\.everyOps: applies to kind 'every-n-ops', not to kind 'tick': drop it or set kind 'every-n-ops'/],
    ["hz and kernel on a random schedule", { ...good, interrupts: { kind: "random", meanOps: 10, hz: 250, kernel: "v5.8" } }, /^interrupts\.kernel: applies to kind 'tick', not to kind 'random'/],
    ["arrays nested 100,000 deep (a stack overflow before)", `{"name":"t","mix":${"[".repeat(100_000)}${"]".repeat(100_000)}}`, /^mix\[0\]\[0\]\[0\].*: nested 33 levels deep \(arrays and objects\); a scenario nests at most 32/],
    ["a variant's mix with a bad entry", { ...good, variants: [{ name: "a", mix: [{ path: "syscall", weight: "1" }] }] }, /^variants\[0\]\.mix\[0\]\.weight: expected a number, found a string "1"/],
    ["the same strategy twice", { ...good, strategies: ["off", "off"] }, /^strategies\[1\]: expected entries that differ, found a string "off" twice/],
  ];
  for (const [what, doc, re] of cases) {
    it(`${what}: the error names the field, what was expected and what was found`, () => {
      const p = problems(doc);
      expect(p.some((x) => re.test(x)), `problems: ${JSON.stringify(p)}`).toBe(true);
    });
  }

  it("a weight written past the largest double (1e309 parses to Infinity) is refused with its file and field", () => {
    const text = JSON.stringify(good).replace('"weight":1}', '"weight":1e309}');
    expect(text).toContain("1e309");
    expect(() => parseScenario(text, "huge.json", schema)).toThrow(/huge\.json is not a valid scenario.*mix\[0\]\.weight: expected a number, found a number Infinity \(JSON\.parse's value for a number beyond the largest double\)/s);
  });

  it("text that is not JSON is refused with the parser's message; ScenarioError names the file", () => {
    expect(() => parseScenario("{ cpus: 1", "x.json", schema)).toThrow(/x\.json is not a valid scenario.*expected JSON/s);
  });

  it("the validator itself fails on what it must catch (type, minimum, required, enum)", () => {
    const s = { type: "object", required: ["a"], properties: { a: { type: "integer", minimum: 1 }, b: { enum: ["x"] } } };
    expect(validateJsonSchema({ a: 1, b: "x" }, s)).toEqual([]);
    expect(validateJsonSchema({ a: 0, b: "y" }, s)).toHaveLength(2);
    expect(validateJsonSchema({}, s)).toEqual(["a: required field missing (see scenarios/schema.json)"]);
  });
});
