// npm run bench (dist/bench/run.js): bad arguments are refused before anything runs, and
// --json FILE writes pure JSON to a file (npm's banner goes to stdout, never into it).
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tortureDetection } from "../dist/bench/torture-detection.js";
import { until } from "./helpers.js";

const bench = fileURLToPath(new URL("../dist/bench/run.js", import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [bench, ...args], { encoding: "utf8" });

describe("npm run bench -- torture-detection: bad arguments", () => {
  it("an unknown --only case is refused, naming the cases", async () => {
    const r = run("torture-detection", "--only=bogus");
    expect(r.status).toBe(2); // a bad command line, as rcu-lab's
    expect(r.stderr).toMatch(/unknown case 'bogus' for --only; expected one of: rcu, srcu, srcu-fast, reader-in-eqs, .*plain-from-idle/);
    expect(r.stdout).toBe(""); // no empty table, no "undefined"
    await expect(tortureDetection(1, 1, "bogus")).rejects.toThrow(/unknown case 'bogus'/);
  });

  it("0 runs is refused (CLI and API)", async () => {
    const r = run("torture-detection", "0");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/runs must be at least 1; got 0/);
    expect(r.stdout).toBe("");
    await expect(tortureDetection(0)).rejects.toThrow(/runs must be an integer in 1..10000 \(runs per case\); got 0/);
  });

  it("two suites at once, or --json into a missing directory, are refused", () => {
    const two = run("rcu", "strategies");
    expect(two.stderr).toMatch(/one benchmark suite at a time; got rcu, strategies/);
    expect(two.status).toBe(2);
    const r = run("rcu", "--json", "/nonexistent/dir/b.json");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--json \/nonexistent\/dir\/b.json: cannot write there: directory \/nonexistent\/dir does not exist/);
  });

  it("a run count that is not a number is named as such, exit status 2 (not 'one suite at a time', not 1)", () => {
    const r = run("torture-detection", "abc");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^bench: torture-detection: 'abc' is not a run count: expected a whole number of runs per case/);
    expect(r.stderr).not.toMatch(/one benchmark suite at a time/);
    expect(run("rcu", "abc").stderr).toMatch(/rcu: unexpected argument 'abc'; rcu takes none but --json \[FILE\]/);
  });

  it.each([
    [["rcu", "--json", "--json"], /--json given twice; give it once/],
    [["torture-detection", "--only=rcu", "--only=srcu"], /--only given 2 times \(--only=rcu, --only=srcu\); torture-detection takes one case/],
    [["torture-detection", "2", "3"], /torture-detection: 2 run counts \(2, 3\); give one/],
    [["rcu", "5"], /a run count \(5\): for torture-detection only, not rcu/],
    [["primitives", "--only=rcu"], /--only=rcu: for torture-detection only, not primitives/],
    [["rcu", "--bogus"], /unknown option '--bogus'; expected --json \[FILE\], --json=FILE, or \(torture-detection\) --only=<case>/],
    [["rcu", "--json="], /--json : cannot write there: the file name is empty/],
  ])("%j: refused before anything runs, exit status 2", (args, msg) => {
    const r = run(...(args as string[]));
    expect(r.stderr).toMatch(msg);
    expect(r.stdout).toBe("");
    expect(r.status).toBe(2);
  });
});

describe("npm run bench -- ... --json FILE", () => {
  it("writes the suites' JSON to FILE and nothing but progress to the terminal", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "rcu-lab-bench-")), "b.json");
    const r = run("torture-detection", "1", "--only=plain-from-idle", "--json", file);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("");
    const j = JSON.parse(fs.readFileSync(file, "utf8"));
    expect(j.schema).toBe("rcu-lab/bench-suites@1");
    expect(j["torture-detection"]).toHaveLength(1);
    expect(j["torture-detection"][0]).toMatchObject({ fault: "plain-from-idle", runs: 1 });
  });

  it("a FILE that cannot be written at the end (/dev/full passes the check, then the disk is full): the JSON goes to stdout, exit status 5", () => {
    const r = run("torture-detection", "1", "--only=plain-from-idle", "--json", "/dev/full");
    expect(r.stderr).toMatch(/--json \/dev\/full: cannot write the result \(ENOSPC[^)]*\); it follows on stdout instead \(exit status 5\)/);
    expect(JSON.parse(r.stdout)["torture-detection"][0]).toMatchObject({ fault: "plain-from-idle", runs: 1 });
    expect(r.status).toBe(5);
  });
});

/** The pid of a child of `parent` whose command name starts with `name` (/proc), if any; and whether `pid` is gone (or a zombie). */
function childNamed(parent: number, name: string): number | undefined {
  for (const d of fs.readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    const m = /^(\d+) \((.*)\) \S+ (\d+)/.exec(stat);
    if (m && Number(m[3]) === parent && m[2].startsWith(name)) return Number(m[1]);
  }
  return undefined;
}
function gone(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

describe.runIf(process.platform === "linux" && process.arch === "x64")("npm run bench -- primitives: its native loop dies with it", () => {
  /** Start the bench under `argv`, wait for its native loop, kill `victim()` with SIGTERM; the bench's node and the loop must both end. */
  async function stopDuringNativeLoop(argv: string[], victim: (launched: number, bench: number) => number) {
    const launched = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "ignore", "ignore"] });
    let node: number | undefined, loop: number | undefined;
    // cc builds the loop first (a second or two); the loop then runs for many seconds
    await until(() => {
      node = argv[0] === process.execPath ? launched.pid : childNamed(launched.pid!, "node");
      return node !== undefined && (loop = childNamed(node, "native-primitiv")) !== undefined;
    }, 60_000, "build/native-primitives to start");
    process.kill(victim(launched.pid!, node!), "SIGTERM");
    try {
      await until(() => gone(node!) && gone(loop!), 3_000, `the bench (pid ${node}) and its native loop (pid ${loop}) to end`);
    } finally {
      for (const p of [node!, loop!]) if (!gone(p)) process.kill(p, "SIGKILL"); // do not leave them spinning when the test fails
    }
  }

  it("SIGTERM to the bench while build/native-primitives runs: the loop's process is gone too (not left at 100% CPU)", async () => {
    await stopDuringNativeLoop([process.execPath, bench, "primitives"], (_launched, node) => node);
  }, 90_000);

  it("SIGTERM to the shell npm runs it through (npm forwards SIGTERM there): the bench and the loop end too", async () => {
    await stopDuringNativeLoop(["/bin/sh", "-c", `"${process.execPath}" "${bench}" primitives; true`], (sh) => sh);
  }, 90_000);
});
