// The measurement loop's untimed warm-up is long enough to matter (a minimum of operations
// and of time on every CPU, not just a tenth of a small batch), and the strategy table
// refuses a strategy, context or probe count listed twice instead of measuring it twice.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { measure, parseProfile, runPrimitives, runStrategyBench } from "../dist/bindings/index.js";
import { WARMUP_MIN_MS, WARMUP_MIN_OPS, warmupIterations } from "../dist/bindings/experiments/measure.js";
import fs from "node:fs";
import { useMachines } from "./helpers.js";

const machine = useMachines();

describe("measure: the untimed warm-up", () => {
  it("a small batch still gets at least WARMUP_MIN_OPS operations and WARMUP_MIN_MS ms on every CPU", async () => {
    const m = await machine(2);
    const r = await measure(m, { command: "bench_smp_mb", iterations: 10_000, reps: 2, cpus: [0, 1] });
    expect(r.warmup.ops).toBeGreaterThanOrEqual(WARMUP_MIN_OPS);
    expect(r.warmup.ms).toBeGreaterThanOrEqual(WARMUP_MIN_MS); // the CPUs' own time, a floor the loop enforces
    expect(r.calls).toBe((r.warmup.ops + 2 * 10_000) * 2);
  });

  it("the first warm-up batch is max(WARMUP_MIN_OPS, a tenth of the timed batch), within a u32", () => {
    expect(warmupIterations(1)).toBe(WARMUP_MIN_OPS);
    expect(warmupIterations(10_000)).toBe(WARMUP_MIN_OPS);
    expect(warmupIterations(50_000_000)).toBe(5_000_000);
    expect(warmupIterations(2 ** 32 - 1)).toBeLessThanOrEqual(2 ** 32 - 1);
  });
});

describe("strategy table: duplicates", () => {
  it("refuses a strategy, context or probe count given twice (API and CLI)", async () => {
    const m = await machine(1);
    const counting = await machine(1, { build: "counting" });
    const profile = parseProfile(fs.readFileSync(fileURLToPath(new URL("../profiles/amd-epyc-zen5-2vcpu.json", import.meta.url)), "utf8"), "shipped");
    await expect(runStrategyBench(m, counting, profile, { strategies: ["plain", "plain", "plain"] }))
      .rejects.toThrow(/strategy 'plain' given more than once \(plain,plain,plain\); each is measured once: list it once/);
    await expect(runStrategyBench(m, counting, profile, { contexts: ["task", "idle", "task"] })).rejects.toThrow(/context 'task' given more than once/);
    await expect(runStrategyBench(m, counting, profile, { probes: [1, 1] })).rejects.toThrow(/probe count '1' given more than once/);
    const cli = fileURLToPath(new URL("../dist/bindings/cli/main.js", import.meta.url));
    const r = spawnSync(process.execPath, [cli, "bench", "--strategies", "plain,plain,plain"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--strategies names 'plain' twice in 'plain,plain,plain'; give each once/); // refused while parsing, before any machine
  });
});

describe("runPrimitives", () => {
  it("the indirect call runs in both implementations: the probe's table index goes to the wasm loop only (the JavaScript loop takes the count alone)", async () => {
    const m = await machine(1);
    const r = await runPrimitives(m, { only: ["indirect call"], scopes: ["1 CPU"], iterations: 10_000, reps: 1 });
    expect(r.rows.map((x) => x.impl)).toEqual(["wasm", "js"]);
    for (const row of r.rows) expect(row.nsPerOp.median).toBeGreaterThan(0);
  });
});

