// The command line's errors: one message and one line pointing to --help (no help dump),
// exit status 2 for a bad command line; a deadline names --deadline; calibrate checks its
// output path before measuring and refuses an unsteady clock.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const cli = fileURLToPath(new URL("../dist/bindings/cli/main.js", import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });
const lines = (s: string) => s.trim().split("\n").filter(Boolean);

describe("option errors", () => {
  it.each([
    [["bench", "--reps", "x"], /--reps must be an integer in 1..1000; got 'x'/],
    [["torture", "--cpus", "0"], /--cpus must be an integer in 1..64; got '0'/],
    [["torture", "--flavor", "nope"], /Allowed choices are rcu, srcu, srcu-fast/],
    [["primitives", "--bogus"], /unknown option '--bogus'/],
    [["nope"], /unknown command 'nope'/],
  ])("%j: the error and one line pointing to --help, exit status 2", (args, msg) => {
    const r = run(...(args as string[]));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(msg);
    expect(lines(r.stderr)).toHaveLength(2);
    expect(lines(r.stderr)[1]).toMatch(/add --help for the options/);
    expect(r.stderr).not.toMatch(/Usage:/);
  });

  it("--help still prints the help and exits 0", () => {
    const r = run("torture", "--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Usage: rcu-lab torture/);
    expect(r.stdout).toMatch(/3 INCONCLUSIVE/);
    expect(r.stdout).toMatch(/--deadline <seconds>/);
  });
});

describe("--deadline", () => {
  it("a batch longer than the deadline fails naming --deadline, and the process exits", () => {
    // one probe: plain costs ns per call, so 2^32-1 calls outlast the 2 s deadline; with no probe
    // ("off", 0.2 ns per call since the loops are unrolled) the batch would end in about a second
    const r = run("bench", "--strategies", "plain", "--contexts", "task", "--probes", "1", "--cpus", "1", "--iterations", "4294967295", "--reps", "1", "--deadline", "2");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/CPU 0: command 'trace_loop_plain' did not finish within its deadline of 2 s; .*rerun with a larger --deadline <seconds>/);
    expect(r.stderr).not.toMatch(/deadlineMs/);
  });

  it("refuses a deadline that is not a positive number of seconds", () => {
    const r = run("torture", "--deadline", "0");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--deadline must be a positive number up to 86400; got '0'/);
  });
});

describe("calibrate", () => {
  it("checks --out before measuring: a missing directory fails at once, nothing measured", () => {
    const r = run("calibrate", "--out", "/nonexistent/dir/p.json");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--out \/nonexistent\/dir\/p.json: cannot write there: directory \/nonexistent\/dir does not exist/);
    expect(lines(r.stderr)).toHaveLength(1); // no progress line: nothing was measured
  });

  it("refuses to write a profile when the clock's spread stays wider than --max-spread, after retrying", () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "rcu-lab-")), "p.json");
    // No real clock measures 5 batches within a spread of 1e-9: every attempt is refused.
    const r = run("calibrate", "--out", out, "--max-spread", "1.000000001");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/warning: clock spread \d\.\d+ .* measuring again \(attempt 2 of 3\)/);
    expect(r.stderr).toMatch(/the clock is not stable: its spread \(max\/min over 5 batches\) was [\d., ]+ in 3 attempts, more than the 1.000000001 allowed .*no profile was written/);
    expect(fs.existsSync(out)).toBe(false);
    expect(run("calibrate", "--max-spread", "1").stderr).toMatch(/--max-spread must be a ratio > 1/);
  });
});
