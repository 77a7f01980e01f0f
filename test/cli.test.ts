import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseProfile } from "../dist/bindings/index.js";

const cli = fileURLToPath(new URL("../dist/bindings/cli/main.js", import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });

describe("rcu-lab bench (the main job)", () => {
  it("prints the strategy table as JSON with the four costs of each row", () => {
    const out = execFileSync(process.execPath, [cli, "bench", "--strategies", "plain,rcuidle-irq", "--probes", "1", "--iterations", "2000", "--reps", "1", "--json"], { encoding: "utf8" });
    const r = JSON.parse(out);
    expect(r.schema).toBe("rcu-lab/bench@1");
    expect(r.rows.length).toBe(2 * 2 * (r.cpus > 1 ? 2 : 1)); // strategies x contexts x scopes
    const idle = r.rows.find((x: { strategy: string; context: string }) => x.strategy === "rcuidle-irq" && x.context === "idle");
    expect(idle.ops.atomic_rmw).toBe(2);
    expect(idle.nsPerCall.median).toBeGreaterThan(0);
    // cycles: each batch's ns x the clock beside it, so cycles/ns lies within that clock's range.
    expect(idle.cyclesPerCall.median / idle.nsPerCall.median).toBeGreaterThan(idle.ghzBeside.min * 0.9);
    expect(idle.cyclesPerCall.median / idle.nsPerCall.median).toBeLessThan(idle.ghzBeside.max * 1.1);
    expect(idle.modeledCycles).toBeGreaterThan(0);
    expect(r.hostProbe.nsPerCall.median).toBeGreaterThan(0);
  });

  it("rejects unknown strategies, contexts and probe counts, saying what is allowed", () => {
    expect(run("bench", "--strategies", "nope").stderr).toMatch(/unknown strategy 'nope'; expected one of: off, plain, rcuidle-irq/);
    expect(run("bench", "--contexts", "nmi").stderr).toMatch(/unknown context 'nmi'; expected one of: task, idle/);
    expect(run("bench", "--probes", "2").stderr).toMatch(/--probes: '2' is not one of 0, 1, 3/);
    expect(run("bench", "--profile", "/nonexistent.json").stderr).toMatch(/cannot read cost profile \/nonexistent.json/);
  });
});

describe("rcu-lab calibrate and cost profiles", () => {
  it("writes a profile that names the source of every number and that bench accepts", () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "rcu-lab-")), "p.json");
    // The machine is shared with other test runs: this test is about the file, not a steady clock
    // (test/cli-errors.test.ts covers the refusal of an unsteady one).
    const r = run("calibrate", "--out", out, "--max-spread", "10");
    expect(r.status).toBe(0);
    const p = parseProfile(fs.readFileSync(out, "utf8"), out);
    expect(p.ghz).toBeGreaterThan(0.5);
    expect(p.sources.atomic_rmw).toMatch(/measured here/);
    expect(p.sources.irq_save).toMatch(/WebAssembly cannot execute it/);
  });

  it("a broken profile is refused with what is wrong", () => {
    expect(() => parseProfile("{", "x.json")).toThrow(/cost profile x.json is not JSON/);
    expect(() => parseProfile('{"schema":"other"}', "x.json")).toThrow(/not a cost profile \(schema "other"/);
    expect(() => parseProfile('{"schema":"rcu-lab/cost-profile@1","ghz":4,"cyclesPerOp":{}}', "x.json")).toThrow(/cyclesPerOp.read_once must be a number of cycles/);
  });
});
