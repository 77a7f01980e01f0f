// Every option of every command, from the built CLI's --help: an empty value and an option
// given twice are refused (exit status 2, naming the option), as are options that do not
// apply; and every option README.md shows on a command exists on that command.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
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
    // An option whose help says "(repeatable)" gathers its occurrences (bench --cost), refusing only the same entry twice.
    const once = all.filter((o) => !/\(repeatable\)/.test(o.description ?? ""));
    expect(all.length - once.length).toBeGreaterThanOrEqual(1);
    const cases = once.map((o) => [o.command, ...(o.value ? [o.flag, valid(o), o.flag, valid(o)] : [o.flag, o.flag]), ...(positional[o.command] ?? [])]);
    cases.push(["explore", "--tso", "--no-tso"], ["torture", "--strategy", "plain", "--strategy", "rcuidle-srcu"], ["bench", "--cost", "call=2", "--cost", "call=3"]);
    const results = runAll(cases);
    for (const [i, r] of results.entries()) {
      expect(r.status, `rcu-lab ${cases[i].join(" ")}: ${r.stderr}`).toBe(2);
      if (i < once.length) expect(r.stderr).toMatch(new RegExp(`^rcu-lab: ${once[i].flag} given twice`));
    }
    expect(results.at(-1)!.stderr).toMatch(/--cost call given twice \(call=2, call=3\)/);
    expect(results.at(-3)!.stderr).toMatch(/^rcu-lab: --tso and --no-tso given together; the command takes one: keep one/);
    expect(results.at(-2)!.stderr).toMatch(/^rcu-lab: --strategy given twice \('plain', then 'rcuidle-srcu'\)/);
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

/**
 * The options a document shows on a command: `rcu-lab <cmd> ... --opt` at the start of a line
 * of a code block (its comment included) or inside backticks in prose, and the backticked
 * `--opt`s in the parentheses right after a backticked `rcu-lab <cmd>` ("`rcu-lab recursion`
 * (`--json` for ..., `--no-costs` ...)", across line breaks). [command, option, where]
 * triples; option "" for the command itself.
 */
function documentedOptions(text: string, file: string): [string, string, string][] {
  const out: [string, string, string][] = [];
  const add = (cmd: string, rest: string, where: string) => {
    out.push([cmd, "", where]);
    for (const o of rest.matchAll(/(?:^|[\s[(])(--[a-z][\w-]*)/g)) out.push([cmd, o[1], where]);
  };
  const prose = (para: string, where: string) => {
    for (const m of para.matchAll(/`(?:npx )?rcu-lab ([a-z]+)([^`]*)`( \((?:[^()]|\([^()]*\))*\))?/g)) {
      add(m[1], `${m[2]} ${[...(m[3] ?? "").matchAll(/`(--[\w-]+)[^`]*`/g)].map((x) => x[1]).join(" ")}`, where);
    }
  };
  let fenced = false, para = "", paraStart = 0;
  text.split("\n").forEach((line, i) => {
    const where = `${file}:${i + 1}`;
    if (line.startsWith("```") || (!fenced && line.trim() === "")) {
      prose(para, `${file}:${paraStart}`);
      para = "";
      if (line.startsWith("```")) fenced = !fenced;
    } else if (fenced) {
      const m = /^\s*(?:\$ )?(?:npx )?rcu-lab ([a-z]+)(?=\s|$)(.*)$/.exec(line);
      if (m) add(m[1], m[2], where);
    } else {
      if (para === "") paraStart = i + 1;
      para += ` ${line}`;
    }
  });
  prose(para, `${file}:${paraStart}`);
  return out;
}

describe("README.md and docs/ agree with the command line", () => {
  const docs = ["README.md", ...fs.readdirSync(new URL("../docs/", import.meta.url)).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
  const known = new Map(commands().map((c) => [c, new Set([...helpOptions(c).map((o) => o.flag), "--help"])]));

  it("every option a document shows on a command exists on that command (commander's options, from --help)", () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const d of docs) {
      for (const [cmd, opt, where] of documentedOptions(fs.readFileSync(new URL(`../${d}`, import.meta.url), "utf8"), d)) {
        if (!known.has(cmd)) wrong.push(`${where}: rcu-lab ${cmd}: no such command`);
        else if (opt && !known.get(cmd)!.has(opt)) wrong.push(`${where}: rcu-lab ${cmd} ${opt}: ${cmd} has no ${opt}`);
        else if (opt) checked++;
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(40);
  });

  it("the check catches an option on the wrong command (broken variant: README's old claim, explore --deadline)", () => {
    const found = documentedOptions("Try `rcu-lab explore --deadline 5` or\n```\nnpx rcu-lab serve --port 1 --deadline 2  # --cpus 3\n```\n`rcu-lab recursion` (`--json` for\nJSON, `--bogus`)", "x.md");
    const bad = found.filter(([c, o]) => o && !known.get(c)!.has(o)).map(([c, o]) => `${c} ${o}`);
    expect(bad).toEqual(["explore --deadline", "serve --deadline", "serve --cpus", "recursion --bogus"]);
  });

  it("the commands that take --deadline are those README names, and the help prints its default once", () => {
    const readme = fs.readFileSync(new URL("../README.md", import.meta.url), "utf8").replace(/\s+/g, " ");
    const m = /Every command that runs CPU workers \(([^)]*)\) takes `--deadline <seconds>`/.exec(readme);
    expect(m, "README's --deadline sentence").not.toBeNull();
    const named = [...m![1].matchAll(/`(\w+)`/g)].map((x) => x[1]).sort();
    expect(named).toEqual([...known].filter(([, opts]) => opts.has("--deadline")).map(([c]) => c).sort());
    for (const c of named) {
      const line = helpOptions(c).find((o) => o.flag === "--deadline")!.description;
      expect(line.match(/default/g), `${c} --deadline: ${line}`).toHaveLength(1);
    }
  });

  it("the quick start's command list names every command", () => {
    const readme = fs.readFileSync(new URL("../README.md", import.meta.url), "utf8").replace(/\s+/g, " ");
    const list = /The CLI is `npx rcu-lab <command>` \(([^;]*);/.exec(readme)![1];
    expect([...list.matchAll(/`(\w+)`/g)].map((x) => x[1]).sort()).toEqual(commands().sort());
  });

  it("README says the package is ESM-only, as package.json has it", () => {
    const pkg = JSON.parse(fs.readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    expect(pkg.type).toBe("module");
    expect(fs.readFileSync(new URL("../README.md", import.meta.url), "utf8")).toMatch(/The package\s+is ESM-only/);
  });
});
