import { describe, expect, it } from "vitest";
import fs from "node:fs";
import { checkWasm } from "../scripts/wasm-check.mjs";
import { perCpuAddr, readLayout } from "../dist/bindings/abi/layout.js";
import { percpuTemplateInfo, specialisePercpu } from "../dist/bindings/abi/percpu-template.js";
import { createMemory } from "../dist/bindings/machine/memory.js";
import { percpuCompileMs, percpuModules } from "../dist/bindings/machine/percpu-modules.js";
import { Machine } from "../dist/bindings/index.js";
import { nodePlatform } from "../dist/bindings/platform/node.js";

// The per-CPU modules of the release build (bindings/abi/percpu-template.ts): each CPU worker
// runs the template with its own %gs base and id as constants.
const template = new Uint8Array(fs.readFileSync(new URL("../build/rcu-lab.percpu.wasm", import.meta.url)));
const release = new Uint8Array(fs.readFileSync(new URL("../build/rcu-lab.wasm", import.meta.url)));
const layout = readLayout(new WebAssembly.Module(release));
const base = (cpu: number) => perCpuAddr(layout, cpu, 0);

function instantiate(bytes: Uint8Array, memory: WebAssembly.Memory) {
  const module = new WebAssembly.Module(bytes);
  const table = new WebAssembly.Table({ initial: 1024, element: "anyfunc" });
  return new WebAssembly.Instance(module, { env: { memory, table, host_probe: () => {} } }).exports as Record<string, (...a: number[]) => number>;
}

describe("the per-CPU template (build/rcu-lab.percpu.wasm)", () => {
  it("replaces every read of the base and id globals, and each CPU's module keeps the shared-memory rules", () => {
    const info = percpuTemplateInfo(template)!;
    expect(info.placeholders.map((p) => p.field)).toEqual(["base", "cpu"]);
    for (const p of info.placeholders) expect(p.sites).toBeGreaterThan(0);
    expect(percpuTemplateInfo(release)).toBeUndefined();
    for (const cpu of [0, 1, 5]) expect(checkWasm(specialisePercpu(template, cpu, base(cpu)))).toEqual([]);
  });

  it("two CPUs' modules over one memory write their own per-CPU words (cpu_init: cpu id, preempt count)", () => {
    const memory = createMemory(layout, 2);
    const u32 = new Uint32Array(memory.buffer);
    for (const cpu of [1, 0]) expect(instantiate(specialisePercpu(template, cpu, base(cpu)), memory).cpu_init(cpu)).toBe(0);
    for (const cpu of [0, 1]) {
      expect(u32[perCpuAddr(layout, cpu, layout.PCPU_CPU_ID) >> 2]).toBe(cpu);
      expect(u32[perCpuAddr(layout, cpu, layout.PCPU_PREEMPT_COUNT) >> 2]).toBe(u32[perCpuAddr(layout, 1, layout.PCPU_PREEMPT_COUNT) >> 2]);
    }
  });

  it("broken: a module bound to another CPU than its own, or patched with another CPU's base, traps in cpu_init", () => {
    const memory = createMemory(layout, 2);
    expect(() => instantiate(specialisePercpu(template, 1, base(1)), memory).cpu_init(0)).toThrow(WebAssembly.RuntimeError);
    expect(() => instantiate(specialisePercpu(template, 1, base(0)), memory).cpu_init(1)).toThrow(WebAssembly.RuntimeError);
  });

  it("broken: a template whose placeholder count differs from the build's is refused, naming the counts", () => {
    const info = percpuTemplateInfo(template)!;
    const bad = template.slice();
    // Turn the first base placeholder (i32.const 0x7c0ffee0) into another constant.
    const magic = [0x41, 0xe0, 0xfd, 0xbf, 0xe0, 0x07];
    let i = info.code[0];
    while (i < info.code[1] && !magic.every((b, j) => bad[i + j] === b)) i++;
    expect(i).toBeLessThan(info.code[1]);
    bad[i + 5] = 0x06;
    expect(() => specialisePercpu(bad, 0, base(0))).toThrow(/base placeholder occurs \d+ times in the code, expected \d+/);
  });

  it("only the release build is specialised: the counting build's CPUs run the one module", async () => {
    expect(await percpuModules(nodePlatform, "counting", layout, 2)).toBeUndefined();
    const mods = await percpuModules(nodePlatform, "release", layout, 2);
    expect(mods).toHaveLength(2);
    expect(mods![0]).not.toBe(mods![1]);
    const again = await percpuModules(nodePlatform, "release", layout, 2); // cached per CPU id
    expect(again![0]).toBe(mods![0]);
    expect(again![1]).toBe(mods![1]);
    expect([...percpuCompileMs.keys()].sort()).toEqual([0, 1]);
  });

  it("a machine's CPU workers each increment their own per-CPU counter (this_cpu_inc), at once", async () => {
    const m = await Machine.create({ cpus: 2, platform: nodePlatform });
    try {
      const before = [0, 1].map((cpu) => m.readPerCpuU32(cpu, layout.PCPU_COUNTER));
      const res = await m.runAll("bench_this_cpu_inc", (cpu) => [cpu === 0 ? 100000 : 7]);
      expect(res.map((r) => r.value - before[r.cpu])).toEqual([100000, 7]);
      expect([0, 1].map((cpu) => m.readPerCpuU32(cpu, layout.PCPU_COUNTER) - before[cpu])).toEqual([100000, 7]);
    } finally {
      await m.close();
    }
  });
});
