// The clock's spread: one rule (clockSpread) decides "unsteady" for calibrate and for bench;
// bench prints it on its header line, warns on stderr and puts it in its JSON report.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Machine, parseProfile, runStrategyBench, summarize } from "../dist/bindings/index.js";
import { DEFAULT_MAX_SPREAD, clockSpread } from "../dist/bindings/experiments/calibrate.js";
import { renderStrategies } from "../dist/bindings/cli/render-strategies.js";

// GHz per batch as a run printed them: "clock 1.29 GHz [0.89-2.24]", and a quiet run's.
const UNSTEADY = [0.89, 1.1, 1.29, 1.9, 2.24];
const STEADY = [3.51, 3.52, 3.52, 3.53, 3.53];
const profile = parseProfile(fs.readFileSync(new URL("../profiles/amd-epyc-zen5-2vcpu.json", import.meta.url), "utf8"), "shipped");
const cli = fileURLToPath(new URL("../dist/bindings/cli/main.js", import.meta.url));

describe("clockSpread: the one rule for an unsteady clock", () => {
  it("a clock of 0.89-2.24 GHz is unsteady (spread 2.52 > 1.1) and says why; 3.51-3.53 GHz is steady, with no warning", () => {
    const bad = clockSpread(summarize(UNSTEADY));
    expect(bad.steady).toBe(false);
    expect(bad.spread).toBeCloseTo(2.24 / 0.89, 6);
    expect(bad.maxSpread).toBe(DEFAULT_MAX_SPREAD);
    expect(bad.warning).toMatch(/clock spread 2\.517 \(0\.890-2\.240 GHz over 5 batches\) is wider than 1\.1/);
    const good = clockSpread(summarize(STEADY));
    expect(good).toEqual({ spread: 3.53 / 3.51, maxSpread: 1.1, steady: true, warning: null });
  });

  it("the bound is inclusive and must be a ratio above 1", () => {
    expect(clockSpread(summarize([1, 1.1]), 1.1).steady).toBe(true);
    expect(clockSpread(summarize([1, 1.11]), 1.1).steady).toBe(false);
    expect(() => clockSpread(summarize(STEADY), 1)).toThrow(/maxSpread must be a finite number > 1/);
  });
});

describe("rcu-lab bench reports the clock's spread and warns when it is unsteady", () => {
  const bench = async (ghz: number[]) => {
    const [rel, cnt] = await Promise.all([Machine.create({ cpus: 1 }), Machine.create({ cpus: 1, build: "counting" })]);
    try {
      return await runStrategyBench(rel, cnt, profile, { strategies: ["plain"], contexts: ["task"], probes: [1], iterations: 1000, reps: 1, ghz: summarize(ghz) });
    } finally {
      await Promise.all([rel.close(), cnt.close()]);
    }
  };

  it("an injected unsteady clock: clock.steady false and its warning in the report; the header line says UNSTEADY and a WARNING line follows", async () => {
    const r = await bench(UNSTEADY);
    expect(r.clock).toMatchObject({ steady: false, maxSpread: 1.1 });
    expect(r.clock.warning).toMatch(/wider than 1\.1/);
    const [header, next] = renderStrategies(r).split("\n");
    expect(header).toMatch(/clock 1\.29 GHz \[0\.89-2\.24\] \(dependent add\/xor chain, spread 2\.52, UNSTEADY\)/);
    expect(next).toMatch(/^WARNING: clock spread 2\.517/);
  });

  it("an injected steady clock: no warning, the spread on the header line", async () => {
    const r = await bench(STEADY);
    expect(r.clock.steady).toBe(true);
    expect(r.clock.warning).toBeNull();
    const text = renderStrategies(r);
    expect(text.split("\n")[0]).toMatch(/spread 1\.01\)/);
    expect(text).not.toMatch(/UNSTEADY|WARNING: clock/);
  });

  it("the CLI: --max-spread below any real clock's spread warns on stderr and in --json; --max-spread 1 is refused", () => {
    const r = spawnSync(process.execPath, [cli, "bench", "--cpus", "1", "--strategies", "plain", "--contexts", "task", "--probes", "1", "--iterations", "1000", "--reps", "1", "--max-spread", "1.000000001", "--json"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/rcu-lab bench: warning: clock spread \d\.\d+ .* is wider than 1\.000000001/);
    const report = JSON.parse(r.stdout);
    expect(report.clock).toMatchObject({ steady: false, maxSpread: 1.000000001 });
    const bad = spawnSync(process.execPath, [cli, "bench", "--max-spread", "1"], { encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--max-spread must be a ratio > 1/);
  }, 60_000);
});
