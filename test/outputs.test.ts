// Results are neither lost nor mislabelled at the end of a run (issue 19, section 2): output
// paths are checked before any work, naming the option; a write that still fails prints the
// result on stdout and exits 5 (never a verdict's status); two explores in one folder keep
// both replay files; a deeply nested scenario names its file and field; a start-up deadline
// names --deadline.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { GracePeriodTimeoutError } from "../dist/bindings/index.js";
import { cliMessage } from "../dist/bindings/cli/options.js";
import { until } from "./helpers.js";

const cli = fileURLToPath(new URL("../dist/bindings/cli/main.js", import.meta.url));
const run = (args: string[], cwd?: string) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", cwd });
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "rcu-lab-out-"));
/** A fault explore finds in under a second (README's example). */
const FAULT = ["explore", "--fault", "irq-entry-watching-shortcut"];
/** A scenario that runs in about a second. */
function smallScenario(dir: string): string {
  const file = path.join(dir, "small.json");
  fs.writeFileSync(file, JSON.stringify({ name: "small", cpus: 1, iterations: 2000, reps: 1, mix: [{ path: "syscall", weight: 1 }], strategies: ["off"] }));
  return file;
}

describe("output paths are checked before any work, naming the option (exit status 2)", () => {
  it.each([
    [["explore", "--out", "/nonexistent/dir/cx.json"], "--out"],
    [["explore", "--trace", "/nonexistent/dir/t.json"], "--trace"],
    [["replay", "whatever.json", "--trace", "/nonexistent/dir/t.json"], "--trace"],
    [["run", "whatever.json", "--svg", "/nonexistent/dir/c.svg"], "--svg"],
    [["run", "whatever.json", "--trace", "/nonexistent/dir/t.json"], "--trace"],
    [["calibrate", "--out", "/nonexistent/dir/p.json"], "--out"],
    [["safety", "--out", "/nonexistent/dir/s.json"], "--out"],
  ])("%j", (args, option) => {
    const r = run(args as string[]);
    expect(r.stderr).toMatch(new RegExp(`^rcu-lab: ${option} /nonexistent/dir/\\S+: cannot write there: directory /nonexistent/dir does not exist`));
    expect(r.stdout).toBe(""); // nothing explored, measured or run
    expect(r.status).toBe(2);
  });
});

describe("a write that fails at the end: the result on stdout, exit status 5", () => {
  it("explore --out /dev/full: the replay file's JSON on stdout, 5 and not 1 (= counterexample)", () => {
    const r = run([...FAULT, "--out", "/dev/full"]);
    expect(r.stderr).toMatch(/--out \/dev\/full: cannot write the result \(ENOSPC[^)]*\); it follows on stdout instead \(exit status 5\)/);
    expect(r.stdout).toMatch(/^\{\n {2}"format": "rcu-lab-explore-replay"/);
    expect(r.stdout).toMatch(/result: COUNTEREXAMPLE/);
    expect(r.stdout).not.toMatch(/replay file:/); // no file is claimed
    expect(r.status).toBe(5);
  });

  it("run --svg /dev/full: the chart on stdout after the table, exit status 5", () => {
    const r = run(["run", smallScenario(tmp()), "--svg", "/dev/full"]);
    expect(r.stderr).toMatch(/--svg \/dev\/full: cannot write the result/);
    expect(r.stdout).toMatch(/<svg[\s\S]*<\/svg>/);
    expect(r.stdout).not.toMatch(/chart written to/);
    expect(r.status).toBe(5);
  }, 60_000);
});

describe("two explores in one folder", () => {
  it("the second writes rcu-lab-counterexample-2.json, says so, and the first file is kept", () => {
    const dir = tmp();
    const a = run(FAULT, dir), b = run(FAULT, dir);
    expect([a.status, b.status]).toEqual([1, 1]);
    expect(a.stdout).toMatch(/replay file: rcu-lab-counterexample\.json \(rcu-lab replay rcu-lab-counterexample\.json\)/);
    expect(b.stdout).toMatch(/replay file: rcu-lab-counterexample-2\.json \(rcu-lab replay rcu-lab-counterexample-2\.json\)/);
    expect(fs.readdirSync(dir).sort()).toEqual(["rcu-lab-counterexample-2.json", "rcu-lab-counterexample.json"]);
    const json = JSON.parse(run([...FAULT, "--json"], dir).stdout);
    expect(json.replayFile).toBe("rcu-lab-counterexample-3.json");
    // an --out the user names is theirs to replace
    expect(run([...FAULT, "--out", "rcu-lab-counterexample.json"], dir).stdout).toMatch(/replay file: rcu-lab-counterexample\.json /);
    expect(fs.readdirSync(dir)).toHaveLength(3);
  });
});

describe("rcu-lab run on a deeply nested file", () => {
  it("names the file and the field's path and depth, exit status 2 (not 'Maximum call stack size exceeded')", () => {
    const file = path.join(tmp(), "deep.json");
    fs.writeFileSync(file, `{"name":"x","mix":${"[".repeat(100_000)}${"]".repeat(100_000)}}`);
    const r = run(["run", file]);
    expect(r.stderr).not.toMatch(/call stack/);
    expect(r.stderr).toContain(`rcu-lab: ${file} is not a valid scenario`);
    expect(r.stderr).toMatch(/- mix\[0\]\[0\]\[0\].*: nested 33 levels deep \(arrays and objects\); a scenario nests at most 32/);
    expect(r.status).toBe(2);
  });

  it("so do a cost profile (bench --profile, calibrate --base) and a replay file", () => {
    const dir = tmp(), deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const profile = path.join(dir, "p.json"), replay = path.join(dir, "r.json");
    fs.writeFileSync(profile, deep);
    fs.writeFileSync(replay, `{"format":"rcu-lab-explore-replay","version":1,"deviations":${deep}}`);
    for (const [args, re] of [
      [["bench", "--profile", profile], /^rcu-lab: cost profile \S+p\.json: \[0\]\[0\].*: nested 33 levels deep/],
      [["calibrate", "--base", profile, "--out", path.join(dir, "out.json")], /^rcu-lab: cost profile \S+p\.json: \[0\]\[0\].*: nested 33 levels deep/],
      [["replay", replay], /^rcu-lab: cannot replay \S+r\.json: replay file \S+r\.json: deviations\[0\]\[0\].*: nested 33 levels deep/],
    ] as const) {
      const r = run([...args]);
      expect(r.stderr, args.join(" ")).toMatch(re);
      expect(r.status).toBe(2);
    }
  });
});

describe("a start-up deadline names --deadline", () => {
  it("bench --deadline 0.001: the CPUs did not come up within --deadline 0.001 s", () => {
    const r = run(["bench", "--deadline", "0.001", "--cpus", "1"]);
    expect(r.stderr).toMatch(/did not come up within --deadline 0\.001 s; .*rerun with a larger --deadline <seconds> \(rcu-lab bench --deadline \.\.\.\)/);
    expect(r.status).toBe(1);
  });
});

describe("a grace period's timeout on the command line names --deadline", () => {
  it("the wait's deadline in seconds, and the option that raises it", () => {
    const e = new GracePeriodTimeoutError("synchronize_rcu()", 2000, "gp_seq 4 has not reached 8");
    expect(cliMessage(e, "torture")).toBe(
      "synchronize_rcu() did not complete within 2000 ms: gp_seq 4 has not reached 8; the wait's deadline was --deadline 2 s: " +
        "if the machine is just loaded, rerun with a larger --deadline <seconds> (rcu-lab torture --deadline ...)",
    );
  });
});

describe.runIf(process.platform === "linux")("under an npm script, rcu-lab ends with npm's shell", () => {
  it("SIGTERM to the `sh -c` npm runs it through (npm start): the torture run stops too, not orphaned", async () => {
    const sh = spawn("/bin/sh", ["-c", `"${process.execPath}" "${cli}" torture --seconds 60; true`], {
      stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, npm_lifecycle_event: "start" },
    });
    let stderr = "";
    sh.stderr.on("data", (d) => (stderr += d));
    const child = (p: number) => Number(fs.readFileSync(`/proc/${p}/task/${p}/children`, "utf8").trim().split(" ")[0]) || 0;
    let pid = 0;
    await until(() => (pid = child(sh.pid!)) > 0 && /torture rcu: /.test(stderr), 30_000, "the torture run to start");
    sh.kill("SIGTERM");
    const alive = () => fs.existsSync(`/proc/${pid}`) && !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
    try {
      await until(() => !alive(), 3_000, `rcu-lab (pid ${pid}) to end with its shell`);
    } finally {
      if (alive()) process.kill(pid, "SIGKILL");
    }
  }, 60_000);
});
