// Verdicts that must not say PASS when nothing was tested: a fault of another flavor,
// options of the other torture mode, a run too short to see a grace period or a free, a
// strategy with nothing to free, a strategy called where it is not legal.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FAULT_NAMES, parseSafety, runSafety, runTorture, runTpTorture, safetyOf } from "../dist/bindings/index.js";
import { OVERLAP_FLOOR } from "../dist/bindings/experiments/tp-torture.js";
import { FAULT_FLAVORS, TORTURE_ACCEPTED_FAULTS } from "../dist/bindings/experiments/torture.js";
import { CONFIGS } from "../dist/bindings/experiments/explore-configs.js";
import { compileStepping, faultReach } from "../dist/bindings/experiments/explore.js";
import { nodePlatform } from "../dist/bindings/platform/node.js";
import { helpFaults, useMachines } from "./helpers.js";

const cli = fileURLToPath(new URL("../dist/bindings/cli/main.js", import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });
const machine = useMachines({ deadlineMs: 60_000 });

describe("torture refuses what it would not test", () => {
  it("a fault of another flavor: exit status 2, naming the flavors it applies to (CLI and API)", async () => {
    const r = run("torture", "--flavor", "rcu", "--fault", "srcu-no-flip");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--fault srcu-no-flip does not apply to --flavor rcu: .* use --flavor srcu, or a fault of rcu: gp-skip-cpu/);
    expect(r.stdout).not.toMatch(/PASS/);
    const m = await machine(3);
    await expect(runTorture(m, { flavor: "srcu", fault: "reader-in-eqs", seconds: 1, seed: 1 })).rejects.toThrow(/fault 'reader-in-eqs' does not apply to flavor 'srcu'/);
  });

  it("every fault name has the flavors whose code it breaks (none for the unit tests' broken variants, which torture refuses)", () => {
    // trace-irq-no-guard and entry-plain-tracepoint break kernel paths (test/kernel-paths.test.ts).
    const testOnly = [
      "sched-preempt-mask-only", "tick-trusts-user", "nmi-nest-unchecked", "srcu-sync-unchecked",
      "trace-irq-no-guard", "entry-plain-tracepoint", "irq-exit-ignores-rcu-exit", "idle-plain-tracepoint",
      "nmi-trace-before-rcu", "preempt-trace-every-level", "rcuidle-body-ignored", "rec-guard-broken", "poke-emulates-old", "srcu-no-barrier-b",
    ];
    for (const f of FAULT_NAMES) {
      if (testOnly.includes(f)) expect(FAULT_FLAVORS[f]).toEqual([]);
      else expect(FAULT_FLAVORS[f]?.length).toBeGreaterThan(0);
    }
    const r = run("torture", "--flavor", "rcu", "--fault", "tick-trusts-user");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/is a broken variant for the unit tests: no torture run executes its code/);
  });

  it("options of the other mode, when given explicitly, are refused with exit status 2", () => {
    for (const args of [["--contexts", "idle"], ["--spin-us", "100"]]) {
      const r = run("torture", "--flavor", "srcu", ...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`${args[0]} applies to tracepoint runs \\(--strategy <name>\\), not to --flavor srcu`));
    }
    for (const args of [["--long-delay-rate", "3"], ["--stall-rate", "3"], ["--migrate-rate", "3"], ["--fault", "gp-skip-cpu"], ["--flavor", "srcu"]]) {
      const r = run("torture", "--strategy", "plain", ...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`${args[0]} applies to flavor runs, not to --strategy plain`));
    }
  });
});

describe("a fault that does not act on the flavor is refused; --help offers only accepted faults", () => {
  it("gp-accept-stale, gp-skip-cpu, gp-ignore-nesting with --flavor srcu-fast: exit 2, naming rcu (they PASSed before: nothing was tested)", async () => {
    for (const f of ["gp-accept-stale", "gp-skip-cpu", "gp-ignore-nesting"]) {
      const r = run("torture", "--flavor", "srcu-fast", "--fault", f, "--seconds", "0.5");
      expect([f, r.status]).toEqual([f, 2]);
      expect(r.stderr).toMatch(new RegExp(`--fault ${f} does not apply to --flavor srcu-fast: it acts only on rcu runs .* use --flavor rcu`));
      expect(r.stdout).not.toMatch(/PASS/);
    }
    const m = await machine(3);
    await expect(runTorture(m, { flavor: "srcu-fast", fault: "gp-accept-stale", seconds: 0.5, seed: 1 })).rejects.toThrow(/does not apply to flavor 'srcu-fast': it acts only on rcu runs/);
  });

  it("the fault table agrees with the stepping build: each flavor listed evaluates the fault's branch in an explore configuration of that flavor", async () => {
    const reach = faultReach(await compileStepping(nodePlatform));
    const evaluatedBy = (f: string) => new Set(CONFIGS.filter((c) => reach.get(c.name)!.has(f as never)).map((c) => c.flavor));
    // Evaluated but not acting (torture.ts FAULT_FLAVORS says why), or a branch only the stepping build has
    // (srcu-no-barrier-b: torture runs the measured builds); not explored (expedited grace periods).
    const notActing = new Set(["gp-skip-cpu/srcu-fast", "gp-ignore-nesting/srcu-fast", "gp-accept-stale/srcu-fast", "srcu-no-barrier-b/srcu"]);
    const notExplored = new Set(["exp-qs-in-reader"]);
    for (const f of FAULT_NAMES) {
      const evaluated = evaluatedBy(f);
      if (!notExplored.has(f)) for (const flavor of FAULT_FLAVORS[f]) expect(`${f}/${flavor} evaluated: ${evaluated.has(flavor)}`).toBe(`${f}/${flavor} evaluated: true`);
      for (const flavor of evaluated) if (!FAULT_FLAVORS[f].includes(flavor)) expect(notActing.has(`${f}/${flavor}`), `${f}/${flavor}: evaluated but not in FAULT_FLAVORS`).toBe(true);
    }
  });

  it("torture --help offers exactly the faults torture accepts; each listed one runs, each other one is refused", () => {
    expect(helpFaults(run("torture", "--help").stdout).sort()).toEqual([...TORTURE_ACCEPTED_FAULTS].sort());
    for (const f of FAULT_NAMES) {
      const flavor = FAULT_FLAVORS[f][0] ?? "rcu";
      const r = run("torture", "--flavor", flavor, "--fault", f, "--seconds", "0.05", ...(f === "exp-qs-in-reader" ? ["--expedited"] : []));
      expect([f, r.status === 2]).toEqual([f, !TORTURE_ACCEPTED_FAULTS.includes(f)]);
    }
  });
});

describe("torture refuses options its flavor does not use", () => {
  it("--stall-rate and --migrate-rate with --flavor rcu: exit status 2, saying they act on SRCU readers only", () => {
    for (const args of [["--stall-rate", "3"], ["--migrate-rate", "3"]]) {
      const r = run("torture", "--flavor", "rcu", "--seconds", "0.2", ...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`${args[0]} applies to SRCU readers \\(--flavor srcu or srcu-fast\\), not to --flavor rcu: an RCU reader has no srcu_idx`));
      expect(r.stdout).not.toMatch(/PASS/);
    }
  });
});

describe("INCONCLUSIVE: a run that tested nothing", () => {
  it("a flavor run too short to free an element is INCONCLUSIVE, exit status 3, never PASS", () => {
    const r = run("torture", "--seconds", "0.000001", "--json");
    expect(r.status).toBe(3);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ verdict: "INCONCLUSIVE", passed: false });
    expect(j.reason).toMatch(/the oracle saw no .*freed element.* run longer \(--seconds\)/);
    const text = run("torture", "--seconds", "0.000001");
    expect(text.status).toBe(3);
    expect(text.stdout).toMatch(/rcu-torture: INCONCLUSIVE: /);
    expect(text.stdout).not.toMatch(/PASS/);
  });

  it("a flavor run long enough is PASS with its reason", async () => {
    const m = await machine(3);
    const r = await runTorture(m, { flavor: "rcu", seconds: 1, seed: 3 });
    expect(r).toMatchObject({ verdict: "PASS", passed: true });
    expect(r.frees).toBeGreaterThan(0);
  });

  it("a tracepoint torture with nothing to free ('off') is INCONCLUSIVE, exit status 3", () => {
    const r = run("torture", "--strategy", "off", "--seconds", "0.3", "--json");
    expect(r.status).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: "INCONCLUSIVE", passed: false, arraysFreed: 0 });
    expect(JSON.parse(r.stdout).reason).toMatch(/static key of 'off' is disabled/);
  });

  it("a tracepoint torture of 1 us is INCONCLUSIVE (no call, no free, or too few releases under a call)", async () => {
    const m = await machine(3);
    const r = await runTpTorture(m, { strategy: "plain", seconds: 0.000001, seed: 1 });
    expect(r).toMatchObject({ verdict: "INCONCLUSIVE", passed: false });
  });

  it("plain from idle for 0.001 s: INCONCLUSIVE (exit 3) on every seed, not PASS; the floor and the count per context are printed", async () => {
    // It PASSed on 6 of 6 seeds with 16-24 calls (and FAILs at 0.3 s): no release's grace period had begun under a call from idle.
    // A FAIL is a real catch (the last batch of calls outlives the 1 ms and a release under one of
    // them can be freed under it); what must not come is a PASS.
    const m = await machine(3);
    const verdicts: string[] = [];
    for (let seed = 1; seed <= 6; seed++) {
      const r = await runTpTorture(m, { strategy: "plain", contexts: ["idle"], seconds: 0.001, seed });
      verdicts.push(r.verdict);
      expect(r.overlapFloor).toBe(OVERLAP_FLOOR);
      if (r.verdict === "INCONCLUSIVE") expect(r.overlappedReleases.idle).toBeLessThan(OVERLAP_FLOOR);
      else expect([seed, r.verdict, r.useAfterFree > 0]).toEqual([seed, "FAIL", true]);
    }
    expect(verdicts).toContain("INCONCLUSIVE");
    const cli = run("torture", "--strategy", "plain", "--contexts", "idle", "--seconds", "0.001", "--cpus", "2");
    expect(cli.stdout).toMatch(new RegExp(`releases whose grace period began under a call \\(at least ${OVERLAP_FLOOR} per context for a PASS\\): idle \\d+`));
    expect(cli.stdout).not.toMatch(/PASS:/);
    // INCONCLUSIVE for too few releases under a call, or (on a busy machine, the CPUs not yet
    // calling within the 1 ms) for no call at all.
    if (cli.status === 3) expect(cli.stdout).toMatch(/INCONCLUSIVE: (too few probe-array releases whose grace period began under a call from idle \(\d+\): a PASS needs at least \d+ per context|no tracepoint call)/);
    else expect(cli.status).toBe(1);
  });

  it("the count is of releases under a call from each context: a longer run reaches the floor in each context it calls from; the FAIL of plain from idle is kept", async () => {
    const m = await machine(3);
    const ok = await runTpTorture(m, { strategy: "rcuidle-srcu-irq", contexts: ["task", "idle"], seconds: 1.5, seed: 1 });
    expect(ok.verdict).toBe("PASS");
    expect(Object.keys(ok.overlappedReleases).sort()).toEqual(["idle", "task"]);
    for (const c of ["task", "idle"] as const) expect(ok.overlappedReleases[c]).toBeGreaterThanOrEqual(OVERLAP_FLOOR);
    // Never more than the releases: each counts a release at most once per context.
    for (const c of ["task", "idle"] as const) expect(ok.overlappedReleases[c]).toBeLessThanOrEqual(ok.updates);
    const bad = await runTpTorture(m, { strategy: "plain", contexts: ["idle"], seconds: 0.3, seed: 1 });
    expect(bad.verdict).toBe("FAIL");
    expect(bad.useAfterFree).toBeGreaterThan(0);
  });

  it("safety never records a cell from an INCONCLUSIVE run: safe is null, the reason says so, safetyOf leaves it out", async () => {
    const m = await machine(2);
    const r = await runSafety(m, { seconds: 0.001, strategies: ["plain"], contexts: ["idle"], probes: ["empty"] });
    expect(r.cells).toHaveLength(1);
    expect(r.cells[0]).toMatchObject({ strategy: "plain", context: "idle", verdict: "INCONCLUSIVE", safe: null });
    expect(r.cells[0].reason).toMatch(/^not recorded \(safe: null\): too few probe-array releases/);
    expect(safetyOf(r, "plain", "idle")).toEqual({});
    expect(parseSafety(JSON.parse(JSON.stringify(r)), "x.json").cells[0].safe).toBeNull();
  });
});

describe("a strategy called where it is not legal", () => {
  it("rcuidle-srcu from nmi: usage errors make it FAIL (exit status 1), and the verdict says why", () => {
    const r = run("torture", "--strategy", "rcuidle-srcu", "--contexts", "nmi", "--seconds", "1", "--json");
    expect(r.status).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ verdict: "FAIL", passed: false, useAfterFree: 0, illegalContexts: ["nmi"] });
    expect(j.usageErrors["srcu-in-nmi"]).toBeGreaterThan(0);
    expect(j.reason).toMatch(/^no use-after-free, but called from nmi, where rcuidle-srcu is not legal: \d+ usage errors \(srcu-in-nmi \d+\)/);
  });

  it("the same strategy in its legal contexts passes", async () => {
    const m = await machine(3);
    const r = await runTpTorture(m, { strategy: "rcuidle-srcu", seconds: 1, seed: 2 });
    expect(r).toMatchObject({ verdict: "PASS", passed: true, useAfterFree: 0 });
  });
});
