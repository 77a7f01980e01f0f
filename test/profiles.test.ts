// Cost profiles are checked field by field: every broken variant is refused with an error
// that names the file and the field; the shipped profile and a calibrated one pass.
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { OP_KINDS, parseProfile } from "../dist/bindings/index.js";

const shippedPath = fileURLToPath(new URL("../profiles/amd-epyc-zen5-2vcpu.json", import.meta.url));
const shipped = JSON.parse(fs.readFileSync(shippedPath, "utf8"));
const variant = (edit: (p: any) => void) => {
  const p = structuredClone(shipped);
  edit(p);
  return JSON.stringify(p);
};

describe("parseProfile", () => {
  it("accepts the shipped profile", () => {
    expect(parseProfile(JSON.stringify(shipped), shippedPath).name).toBe("amd-epyc-zen5-2vcpu");
  });

  it.each([
    ["null", "null", /x.json is not a cost profile: expected a JSON object .* got object null/],
    ["an array", "[]", /x.json is not a cost profile: expected a JSON object/],
    ["no name", variant((p) => delete p.name), /cost profile x.json: name must be a non-empty string; got nothing/],
    ["an empty name", variant((p) => (p.name = " ")), /name must be a non-empty string; got " "/],
    ["no source", variant((p) => delete p.source), /source must be a non-empty string; got nothing/],
    ["ghz as a string", variant((p) => (p.ghz = "ghz")), /ghz must be a clock in GHz, a number in \(0, 100\]; got "ghz"/],
    ["ghz 0", variant((p) => (p.ghz = 0)), /ghz must be a clock in GHz/],
    ["ghz 1e308", variant((p) => (p.ghz = 1e308)), /ghz must be a clock in GHz.*got number 1e\+308/],
    ["cycles null", variant((p) => (p.cyclesPerOp.smp_mb = null)), /cyclesPerOp.smp_mb must be a number of cycles in \(0, 10000\]; got object null/],
    ["cycles 1e308 (Infinity when multiplied)", variant((p) => (p.cyclesPerOp.call = 1e308)), /cyclesPerOp.call must be a number of cycles in \(0, 10000\]; got number 1e\+308/],
    ["cycles all zero", variant((p) => OP_KINDS.forEach((k) => (p.cyclesPerOp[k] = 0))), /cyclesPerOp.read_once must be a number of cycles in \(0, 10000\]; got number 0/],
    ["cycles negative", variant((p) => (p.cyclesPerOp.branch = -1)), /cyclesPerOp.branch must be/],
    ["cycles as a string", variant((p) => (p.cyclesPerOp.atomic_rmw = "20")), /cyclesPerOp.atomic_rmw must be a number of cycles.*got "20"/],
    ["an unknown op kind", variant((p) => (p.cyclesPerOp.smp_rmb = 1)), /cyclesPerOp must be keyed by op kinds only .*unknown keys smp_rmb/],
    ["no sources", variant((p) => delete p.sources), /sources must be an object with one entry per op kind/],
    ["a source missing", variant((p) => delete p.sources.irq_save), /sources.irq_save must be a non-empty string saying where the number comes from; got nothing/],
    ["a source empty", variant((p) => (p.sources.call = "")), /sources.call must be a non-empty string/],
    ["inSequence not an object", variant((p) => (p.inSequence = 3)), /inSequence must be an object \{ cyclesPerOp, sources \}/],
    ["inSequence of an unknown op", variant((p) => ((p.inSequence.cyclesPerOp.lfence = 1), (p.inSequence.sources.lfence = "x"))), /inSequence.cyclesPerOp must be keyed by op kinds only .*unknown key lfence/],
    ["inSequence negative", variant((p) => (p.inSequence.cyclesPerOp.smp_mb = -2)), /inSequence.cyclesPerOp.smp_mb must be a number of cycles in \[0, 10000\]; got number -2/],
    ["inSequence without its source", variant((p) => delete p.inSequence.sources.atomic_rmw), /inSequence.sources.atomic_rmw must be a non-empty string/],
  ])("refuses %s, naming the file and the field", (_what, text, msg) => {
    expect(() => parseProfile(text, "x.json")).toThrow(msg);
  });
});

describe("rcu-lab bench --profile with a broken profile", () => {
  it("is refused before measuring, exit status 2, naming the file and the field", async () => {
    const { spawnSync } = await import("node:child_process");
    const os = await import("node:os");
    const path = await import("node:path");
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "rcu-lab-")), "p.json");
    fs.writeFileSync(file, variant((p) => (p.cyclesPerOp.smp_mb = 1e308)));
    const cli = fileURLToPath(new URL("../dist/bindings/cli/main.js", import.meta.url));
    const r = spawnSync(process.execPath, [cli, "bench", "--profile", file], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`cost profile ${file}: cyclesPerOp.smp_mb must be a number of cycles`));
    expect(r.stdout).toBe("");
  });
});

describe("the cost model (bindings/experiments/costs.ts)", () => {
  it("charges each op its in-sequence cost where the profile has one, else its back-to-back cost", async () => {
    const { modeledCycles } = await import("../dist/bindings/index.js");
    const p = parseProfile(JSON.stringify(shipped), shippedPath);
    const ops = Object.fromEntries(OP_KINDS.map((k) => [k, 0])) as Record<(typeof OP_KINDS)[number], number>;
    ops.smp_mb = 2;
    ops.indirect_call = 1;
    const withSeq = { ...p, inSequence: { cyclesPerOp: { smp_mb: 7 }, sources: { smp_mb: "test" } } };
    expect(modeledCycles(ops, withSeq)).toBe(2 * 7 + p.cyclesPerOp.indirect_call);
    const without = { ...p, inSequence: undefined };
    expect(modeledCycles(ops, without)).toBe(2 * p.cyclesPerOp.smp_mb + p.cyclesPerOp.indirect_call);
  });
});
