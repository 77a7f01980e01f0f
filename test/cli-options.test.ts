// Every option of every command, from the built CLI's --help: an empty value and an option
// given twice are refused (exit status 2, naming the option), as are options that do not
// apply; and every option README.md shows on a command exists on that command.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { cli, commands, helpOptions } from "./cli-help.js";

const many = fileURLToPath(new URL("./fixtures/cli-many.mjs", import.meta.url));

/** Run each argument list through the CLI's parser (one process for all: test/fixtures/cli-many.mjs). */
function runAll(cases: string[][]): { args: string[]; status: number | "running"; stderr: string }[] {
  const r = spawnSync(process.execPath, [many, JSON.stringify(cases)], { encoding: "utf8", timeout: 110_000 });
  if (r.status !== 0) throw new Error(`cli-many.mjs failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** A value each option's parser accepts (the run never starts: the second occurrence is refused first). */
const valid = (o: { value?: string; choices?: readonly string[] }) => o.choices?.[0] ?? (/<(n|s|seconds|ratio|factor)>/.test(o.value!) ? "2" : "x");
/** Commands with a positional argument get one, after the options. */
const positional: Record<string, string[]> = { run: ["f.json"], replay: ["f.json"] };

describe("empty and repeated options are refused on every command (exit status 2, naming the option)", () => {
  const all = commands().flatMap((c) => helpOptions(c).map((o) => ({ command: c, ...o })));

  it("the commands and options are read from --help", () => {
    expect(commands()).toEqual(expect.arrayContaining(["bench", "torture", "run", "explore", "replay", "serve"]));
    expect(all.length).toBeGreaterThan(60);
  });

  it("an empty value: --strategies \"\", --out \"\", ...", () => {
    const takesValue = all.filter((o) => o.value);
    const results = runAll(takesValue.map((o) => [o.command, o.flag, "", ...(positional[o.command] ?? [])]));
    for (const [i, r] of results.entries()) {
      const o = takesValue[i];
      expect(r.status, `rcu-lab ${o.command} ${o.flag} "": ${r.stderr}`).toBe(2);
      expect(r.stderr, `rcu-lab ${o.command} ${o.flag} ""`).toContain(o.flag);
    }
  });

  it("an option given twice: --strategy a --strategy b, --json --json, --tso --no-tso", () => {
    const cases = all.map((o) => [o.command, ...(o.value ? [o.flag, valid(o), o.flag, valid(o)] : [o.flag, o.flag]), ...(positional[o.command] ?? [])]);
    cases.push(["explore", "--tso", "--no-tso"], ["torture", "--strategy", "plain", "--strategy", "rcuidle-srcu"]);
    const results = runAll(cases);
    for (const [i, r] of results.entries()) {
      expect(r.status, `rcu-lab ${cases[i].join(" ")}: ${r.stderr}`).toBe(2);
      if (i < all.length) expect(r.stderr).toMatch(new RegExp(`^rcu-lab: ${all[i].flag} given twice`));
    }
    expect(results.at(-2)!.stderr).toMatch(/^rcu-lab: --tso and --no-tso given together; the command takes one: keep one/);
    expect(results.at(-1)!.stderr).toMatch(/^rcu-lab: --strategy given twice \('plain', then 'rcuidle-srcu'\)/);
  });

  it("a list that names an entry twice or has an empty entry: --contexts idle,idle, --guards a,,b", () => {
    const [a, b, c] = runAll([["bench", "--contexts", "idle,idle"], ["recursion", "--guards", "a,,b"], ["torture", "--strategy", "plain", "--contexts", "irq,task,irq"]]);
    expect(a.stderr).toMatch(/--contexts names 'idle' twice in 'idle,idle'; give each once/);
    expect(b.stderr).toMatch(/--guards must be a comma-separated list of names with none empty; got 'a,,b'/);
    expect(c.stderr).toMatch(/--contexts names 'irq' twice/);
    expect([a.status, b.status, c.status]).toEqual([2, 2, 2]);
  });

  it("run --trace-strategy without --trace is refused", () => {
    const r = spawnSync(process.execPath, [cli, "run", "scenarios/quick-mix.json", "--trace-strategy", "plain"], { encoding: "utf8" });
    expect(r.stderr).toMatch(/^rcu-lab: --trace-strategy plain chooses the strategy --trace records, and there is no --trace: add --trace <file> or drop --trace-strategy/);
    expect(r.stdout).toBe("");
    expect(r.status).toBe(2);
  });
});
