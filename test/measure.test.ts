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


describe("measure: the clock beside each batch", () => {
  // A CPU whose clock drifts up by 0.25 GHz at every command it runs (a clock batch, a timed
  // batch, a clock batch, ...): a loop of 10 cycles per operation takes fewer ns each batch,
  // and the clock batches just before and just after a timed batch average to its frequency.
  const CYCLES_PER_OP = 10, CHAIN_OPS = 8;
  function driftingMachine() {
    let ghz = 2;
    return {
      layout: { CALIBRATE_CHAIN_OPS: CHAIN_OPS },
      usageErrors: () => ({}),
      async runAll(command: string, args: readonly number[]) {
        const n = args[0];
        const elapsedNs = (n * (command === "calibrate_chain" ? CHAIN_OPS : CYCLES_PER_OP)) / ghz;
        ghz += 0.25;
        return [{ elapsedNs }];
      },
    };
  }

  it("each batch's cycles come from the clock of its own moment: 10 cycles per op while the clock drifts and ns move", async () => {
    const r = await measure(driftingMachine() as never, { command: "loop", iterations: 1000, reps: 5, cpus: [0], clockBeside: true });
    expect(r.nsPerOp.max / r.nsPerOp.min).toBeGreaterThan(1.3); // the ns moved with the clock
    expect(r.ghzBeside!.max / r.ghzBeside!.min).toBeGreaterThan(1.3);
    expect(r.cyclesPerOp!.min).toBeCloseTo(CYCLES_PER_OP, 9);
    expect(r.cyclesPerOp!.max).toBeCloseTo(CYCLES_PER_OP, 9);
    // Broken variant: ns x the clock measured once before the batches (as the table did until
    // now) reads 7-9.5 cycles here, median 8: the test above would fail on it.
    const once = r.samples[0].map((ns) => ns * r.ghzBeside!.min).sort((a, b) => a - b);
    expect(once[2]).toBeLessThan(CYCLES_PER_OP * 0.9);
  });

  it("on a real CPU the clock chain itself measures CALIBRATE_CHAIN_OPS cycles per iteration", async () => {
    const m = await machine(1);
    const r = await measure(m, { command: "calibrate_chain", args: [3, 5], iterations: 2_000_000, reps: 3, cpus: [0], clockBeside: true });
    expect(r.cyclesPerOp!.median / m.layout.CALIBRATE_CHAIN_OPS).toBeGreaterThan(0.9);
    expect(r.cyclesPerOp!.median / m.layout.CALIBRATE_CHAIN_OPS).toBeLessThan(1.1);
  });
});
