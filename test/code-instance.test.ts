import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CODE_INSTANCE_SECTION, withCodeInstance } from "../dist/bindings/abi/code-instance.js";
import { acrossInstances } from "../dist/bindings/experiments/code-instances.js";
import { Machine, parseProfile, runStrategyBench } from "../dist/bindings/index.js";
import fs from "node:fs";
import { useMachines } from "./helpers.js";

const fixture = fileURLToPath(new URL("./fixtures/code-instance-check.mjs", import.meta.url));
/** How many times V8 compiled the fixture's function f (one printed body per compilation). */
function compilations(mode: string): number {
  const r = spawnSync(process.execPath, ["--no-liftoff", "--print-wasm-code", fixture, mode], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return (r.stdout.match(/^--- WebAssembly code ---$/gm) ?? []).length;
}

describe("code instances: a figure measured over independently compiled copies of the code", () => {
  it("a code instance is compiled anew where identical bytes reuse the engine's machine code", () => {
    // Broken variant kept: the same bytes twice give one compilation (V8 shares the module),
    // so a withCodeInstance that left the bytes alone would make this test fail.
    expect(compilations("same")).toBe(1);
    expect(compilations("instances")).toBe(2);
  });

  it("adds only a custom section naming the instance; bad instance numbers are refused", async () => {
    const bytes = fs.readFileSync(new URL("../build/rcu-lab.wasm", import.meta.url));
    const a = await WebAssembly.compile(withCodeInstance(bytes, 3));
    const b = await WebAssembly.compile(bytes);
    expect(WebAssembly.Module.exports(a)).toEqual(WebAssembly.Module.exports(b));
    const [sec] = WebAssembly.Module.customSections(a, CODE_INSTANCE_SECTION);
    expect(new TextDecoder().decode(sec)).toMatch(/^3:/);
    expect(() => withCodeInstance(bytes, -1)).toThrow(/non-negative integer/);
    expect(() => withCodeInstance(bytes, 1.5)).toThrow(/non-negative integer/);
  });

  it("a row's figure is the median of the instances' medians, with their range and spread", () => {
    const s = (median: number) => ({ median, min: median - 0.1, max: median + 0.1, n: 5 });
    const r = acrossInstances([s(3), s(6), s(3.1), s(3.2), s(2.9)]);
    expect(r.nsPerCall).toEqual({ median: 3.1, min: 2.9, max: 6, n: 5 });
    // The spread of the middle three (3, 3.1, 3.2): the outlying 6 and 2.9 aside.
    expect(r.instanceSpread).toBeCloseTo((3.2 - 3) / 3.1, 9);
    expect(acrossInstances([s(3), s(4)]).instanceSpread).toBeCloseTo(1 / 3.5, 9);
    expect(acrossInstances([s(3)])).toEqual({ nsPerCall: s(3), instanceSpread: 0 });
  });

  const create = useMachines();
  it("runStrategyBench over two code instances reports each instance's figure; it refuses machines that differ", async () => {
    const profile = parseProfile(fs.readFileSync(new URL("../profiles/amd-epyc-zen5-2vcpu.json", import.meta.url), "utf8"), "profile");
    const [a, b, counting] = [await create(1, { codeInstance: 0 }), await create(1, { codeInstance: 1 }), await create(1, { build: "counting" })];
    const r = await runStrategyBench([a, b], counting, profile, { strategies: ["plain"], contexts: ["task"], probes: [1], iterations: 2000, reps: 2 });
    expect(r.instances).toBe(2);
    expect(r.rows).toHaveLength(1);
    const row = r.rows[0];
    expect(row.instances).toHaveLength(2);
    expect(row.nsPerCall.n).toBe(2);
    expect(row.nsPerCall.min).toBe(Math.min(...row.instances.map((x) => x.median)));
    const two = await create(2, { codeInstance: 2 });
    await expect(runStrategyBench([a, two], counting, profile, { strategies: ["plain"] })).rejects.toThrow(/release machine of 1 CPU/);
    await expect(Machine.create({ cpus: 1, build: "counting", codeInstance: 0 })).rejects.toThrow(/release \(timed\) build only/);
    await expect(Machine.create({ cpus: 1, codeInstance: -2 })).rejects.toThrow(/non-negative integer/);
  });
});
