import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { TORTURE_FAULTS, TORTURE_FLAVORS, renderTorture, runTorture } from "../dist/bindings/index.js";
import { DEFAULT_TORTURE_CPUS, DEFAULT_TORTURE_SECONDS } from "../dist/bench/torture-detection.js";
import { useMachines } from "./helpers.js";

// Runs of the default duration (the one whose detection rate bench/torture-detection.ts
// measures): a fault caught only by luck would make these flaky, and that is the point.
const machine = useMachines({ deadlineMs: 60_000 });
async function torture(flavor: (typeof TORTURE_FLAVORS)[number], fault?: string) {
  const m = await machine(DEFAULT_TORTURE_CPUS);
  return runTorture(m, { flavor, fault: fault as never, seconds: DEFAULT_TORTURE_SECONDS, seed: 42 });
}

describe("rcutorture oracle: correct flavors", () => {
  it.each(TORTURE_FLAVORS)("%s: zero too-short grace periods and no freed element read", async (flavor) => {
    const r = await torture(flavor);
    expect(r.readerPipe.slice(2).every((x) => x === 0)).toBe(true);
    expect(r.mberrors).toBe(0);
    expect(r.passed).toBe(true);
    // The run did real work (a verdict that tested nothing is not a PASS). Floors, not rates:
    // a quiet machine gives hundreds; a loaded one (load 15 on 2 cores) was seen at 18.
    expect(r.gracePeriods).toBeGreaterThan(5);
    expect(r.sections).toBeGreaterThan(1000);
    expect(r.readerPipe[1]).toBeGreaterThan(0); // readers did see retired elements: the run was not idle
    expect(Object.values(r.usageErrors).every((x) => x === 0)).toBe(true);
    if (flavor !== "rcu") {
      expect(r.stalls).toBeGreaterThan(0);
      expect(r.migrations).toBeGreaterThan(0);
    }
    expect(renderTorture(r)).toMatch(new RegExp(`${flavor}-torture: Reader Pipe:  \\d+ \\d+ 0 0 0 0 0 0 0 0 0`));
  });
});

describe("rcutorture oracle: every injected fault is detected", () => {
  it.each(Object.entries(TORTURE_FAULTS))("%s (%s) is caught", async (fault, flavor) => {
    const r = await torture(flavor, fault);
    expect(r.passed).toBe(false);
    expect(r.pipeErrors + r.mberrors).toBeGreaterThan(0);
    expect(renderTorture(r)).toMatch(/!!! Reader Pipe:/);
  });
});

describe("rcu-lab torture CLI", () => {
  const cli = fileURLToPath(new URL("../dist/bindings/cli/main.js", import.meta.url));

  it("exits 1 when the oracle fails, 0 when it passes", () => {
    const bad = spawnSync(process.execPath, [cli, "torture", "--flavor", "srcu", "--fault", "srcu-no-flip", "--seconds", "2"], { encoding: "utf8" });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/srcu-torture: FAIL: /);
    const good = execFileSync(process.execPath, [cli, "torture", "--flavor", "rcu", "--seconds", "1", "--json"], { encoding: "utf8" });
    expect(JSON.parse(good)).toMatchObject({ schema: "rcu-lab/torture@1", flavor: "rcu", passed: true });
  });

  it("rejects bad input with what was wrong and what is allowed", () => {
    const r = spawnSync(process.execPath, [cli, "torture", "--flavor", "nope"], { encoding: "utf8" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/Allowed choices are rcu, srcu, srcu-fast/);
    const s = spawnSync(process.execPath, [cli, "torture", "--seconds", "-3"], { encoding: "utf8" });
    expect(s.status).not.toBe(0);
    expect(s.stderr).toMatch(/--seconds must be a positive number; got '-3'/);
    const c = spawnSync(process.execPath, [cli, "torture", "--cpus", "1", "--seconds", "1"], { encoding: "utf8" });
    expect(c.status).not.toBe(0);
    expect(c.stderr).toMatch(/torture needs at least 2 CPUs/);
  });
});

describe("tracepoint torture (rcu-lab torture --strategy)", () => {
  async function tp(strategyName: string, contexts?: string[]) {
    const { runTpTorture } = await import("../dist/bindings/index.js");
    const m = await machine(DEFAULT_TORTURE_CPUS);
    return runTpTorture(m, { strategy: strategyName, contexts, seconds: 2, seed: 7 });
  }

  it("plain called from idle is caught: a freed probe array is used", async () => {
    const r = await tp("plain", ["idle"]);
    expect(r.illegalContexts).toEqual(["idle"]);
    expect(r.useAfterFree).toBeGreaterThan(0);
    expect(r.passed).toBe(false);
  });

  // "off" is not in this list: with its static key disabled no probe array is ever read,
  // so it could not show a use-after-free whatever the grace periods did.
  it.each(["plain", "rcuidle-irq", "rcuidle-srcu", "rcuidle-srcu-irq", "rcuidle-watching", "noinstr", "noinstr+lockdep", "srcu-fast"])(
    "%s shows zero use-after-free in its legal contexts under probe churn",
    async (name) => {
      const r = await tp(name);
      expect(r.useAfterFree).toBe(0);
      // The run did real work; floors, not rates (under load 15 on 2 cores 72 calls were seen).
      expect(r.calls).toBeGreaterThan(20);
      expect(r.updates).toBeGreaterThan(20);
      expect(r.arraysFreed).toBeGreaterThan(10);
      expect(r.probeCalls.spin).toBe(r.calls);
      expect(Object.values(r.usageErrors).every((x) => x === 0)).toBe(true);
    },
  );
});
