#!/usr/bin/env node
// rcu-lab command line.
import Table from "cli-table3";
import { Command, CommanderError, Option } from "commander";
import fs from "node:fs";
import { DEFAULT_MAX_SPREAD, calibrateProfile } from "../experiments/calibrate.js";
import { parseProfile, SHIPPED_PROFILE_URL, type CostProfile } from "../experiments/costs.js";
import { MODEL_INPUTS, withCosts } from "../experiments/model-inputs.js";
import { PRIMITIVES, runPrimitives, type Impl, type Scope } from "../experiments/primitives.js";
import { SHIPPED_SAFETY_URL, parseSafety, runSafety, type SafetyReport } from "../experiments/safety.js";
import { runStrategyBench } from "../experiments/strategy-bench.js";
import { STRATEGIES, type BenchContext } from "../experiments/strategy-table.js";
import { Machine } from "../machine/machine.js";
import { EXIT, UsageError, addDeadlineOption, checkWritable, cliMessage, commaList, positiveInt, positiveNumber, endWithParent, refuseDeepJson, refuseEmptyAndRepeated, unwritten, writeResult } from "./options.js";
import { costArg, maxSpreadArg } from "./bench-options.js";
import { progressLine } from "./progress.js";
import { renderPrimitives } from "./render-primitives.js";
import { renderStrategies } from "./render-strategies.js";
import { addRunCommand } from "./run-command.js";
import { addTortureCommand } from "./torture-command.js";
import { addRecursionCommand } from "./recursion-command.js";
import { addExploreCommands } from "./explore-command.js";
import { addServeCommand } from "./serve-command.js";

/** This package's version, from the package.json it ships with (dist/bindings/cli/ -> the root). */
function packageVersion(): string {
  const file = new URL("../../../package.json", import.meta.url);
  try {
    return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
  } catch (e) {
    return `unknown (cannot read ${file.pathname}: ${(e as Error).message})`;
  }
}

const program = new Command()
  .name("rcu-lab")
  .version(packageVersion(), "-V, --version", "print the version of rcu-lab and exit")
  .description("Emulated Linux tracepoint + RCU hot path on shared WebAssembly memory, one worker per CPU")
  .showHelpAfterError("(add --help for the options; exit status 2: bad command line)")
  .exitOverride() // errors reach the catch below: exit status 2, not commander's 1 (= FAIL)
  .addHelpText(
    "after",
    "\nExit statuses: 0 success (torture: PASS); 1 torture FAIL, or the run failed (a CPU error, a deadline: see --deadline, an unsteady clock in calibrate); " +
      "2 bad command line; 3 torture INCONCLUSIVE (nothing was tested); 4 explore: the budget ran out before the bound was explored; " +
      "5 the result was computed but an output file (--out, --svg, --trace) could not be written: its text went to stdout.",
  );

/** The command running, for error messages. */
let running: string | undefined;
program.hook("preAction", (_program, action) => void (running = action.name()));

const primitives = program
  .command("primitives")
  .description("ns per op of the kernel primitives in WebAssembly (1 CPU and all CPUs), beside plain JS+Atomics and native x86-64")
  .option("--cpus <n>", "emulated CPUs (default: the cores available)", positiveInt("--cpus"))
  .option("--iterations <n>", "operations per timed batch", positiveInt("--iterations", 2 ** 32 - 1), 10_000_000)
  .option("--reps <n>", "timed repetitions per figure", positiveInt("--reps", 1000), 5)
  .option("--only <names>", `comma-separated primitives: ${PRIMITIVES.map((p) => p.name).join(", ")}`, commaList("--only"))
  .addOption(new Option("--impl <impl>", "which implementations").choices(["both", "wasm", "js"]).default("both"))
  .option("--json", "print the report as JSON (schema rcu-lab/primitives@1) instead of tables");
addDeadlineOption(primitives)
  .action(async (o: { cpus?: number; iterations: number; reps: number; only?: string[]; impl: string; json?: boolean; deadline: number }) => {
    const platform = (await import("../platform/node.js")).nodePlatform;
    const cpus = o.cpus ?? platform.cores();
    const machine = await Machine.create({ cpus, platform, deadlineMs: o.deadline * 1000 });
    try {
      const report = await runPrimitives(machine, {
        iterations: o.iterations,
        reps: o.reps,
        only: o.only,
        impls: o.impl === "both" ? undefined : [o.impl as Impl],
        scopes: cpus === 1 ? (["1 CPU"] as Scope[]) : undefined,
        onProgress: progressLine(),
      });
      process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderPrimitives(report)}\n`);
    } finally {
      await machine.close();
    }
  });

function readProfile(path?: string): CostProfile {
  const where = path ?? SHIPPED_PROFILE_URL.pathname;
  let text: string;
  try {
    text = fs.readFileSync(where, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read cost profile ${where}: ${(e as Error).message} (write one with: rcu-lab calibrate --out ${where})`);
  }
  refuseDeepJson(text, where, "cost profile");
  try {
    return parseProfile(text, where);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

const bench = program
  .command("bench")
  .description("the strategy table: every strategy x context x probes, ns/call, calibrated cycles, op counts, modeled cycles")
  .option("--strategies <list>", `comma-separated: ${STRATEGIES.map((s) => s.name).join(", ")}`, commaList("--strategies"))
  .option("--contexts <list>", "comma-separated: task (RCU watching), idle (not watching)", commaList("--contexts"))
  .option("--probes <list>", "comma-separated probe counts: 0, 1, 3", commaList("--probes"))
  .option("--cpus <n>", "emulated CPUs (default: the cores available)", positiveInt("--cpus", 64))
  .option("--iterations <n>", "calls per timed batch", positiveInt("--iterations", 2 ** 32 - 1), 1_000_000)
  .option("--reps <n>", "timed repetitions per figure, on each code instance", positiveInt("--reps", 1000), 5)
  .option("--instances <n>", "independently compiled code instances each figure is measured on (its median over them; docs/performance.md)", positiveInt("--instances", 20), 7)
  .option("--profile <file>", "cost profile for modeled cycles (default: the shipped native profile)")
  .option("--max-spread <ratio>", "warn (header line, stderr, the JSON's clock.warning) when max/min GHz over the clock's batches is above this (calibrate's rule)", maxSpreadArg, DEFAULT_MAX_SPREAD)
  .option(
    "--cost <name=cycles>",
    `set a cost modeled cycles rest on that nothing here executes, in cycles of one op in a sequence (repeatable): ${MODEL_INPUTS.map((i) => i.name).join(", ")}`,
    costArg,
  )
  .option("--churn", "a concurrent updater registers/unregisters a probe on the measured tracepoint during each figure")
  .option("--json", "print the report as JSON (schema rcu-lab/bench@1)");
addDeadlineOption(bench)
  .action(async (o: { strategies?: string[]; contexts?: string[]; probes?: string[]; cpus?: number; iterations: number; reps: number; instances: number; profile?: string; cost?: Record<string, number>; maxSpread: number; churn?: boolean; json?: boolean; deadline: number }) => {
    const platform = (await import("../platform/node.js")).nodePlatform;
    const read = readProfile(o.profile);
    const profile = o.cost ? withCosts(read, o.cost, "set on the command line (--cost)") : read;
    const cpus = o.cpus ?? platform.cores();
    const probes = o.probes?.map((x) => {
      const n = Number(x);
      if (![0, 1, 3].includes(n)) throw new UsageError(`--probes: '${x}' is not one of 0, 1, 3`);
      return n;
    });
    // Each code instance a machine of its own (its CPUs' modules compiled anew): one after
    // another, so that a failure leaves no worker behind.
    const ms: Machine[] = [];
    let counting: Machine | undefined;
    try {
      for (let k = 0; k < o.instances; k++) ms.push(await Machine.create({ cpus, platform, deadlineMs: o.deadline * 1000, codeInstance: k }));
      counting = await Machine.create({ cpus: 1, platform, build: "counting", deadlineMs: o.deadline * 1000 });
      const report = await runStrategyBench(ms, counting, profile, {
        strategies: o.strategies,
        contexts: o.contexts as BenchContext[] | undefined,
        probes, iterations: o.iterations, reps: o.reps, churn: o.churn, maxSpread: o.maxSpread, safety: readShippedSafety(), onProgress: progressLine(),
      });
      if (report.clock.warning) process.stderr.write(`rcu-lab bench: warning: ${report.clock.warning}\n`);
      process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderStrategies(report)}\n`);
    } finally {
      await Promise.all([...ms, ...(counting ? [counting] : [])].map((x) => x.close()));
    }
  });

/** The shipped safety table, or undefined (the safe column then says ?) when it is missing. */
function readShippedSafety(): SafetyReport | undefined {
  if (!fs.existsSync(SHIPPED_SAFETY_URL)) return undefined;
  return parseSafety(JSON.parse(fs.readFileSync(SHIPPED_SAFETY_URL, "utf8")), SHIPPED_SAFETY_URL.pathname);
}

const safety = program
  .command("safety")
  .description("the safe column measured: a short tracepoint torture run per strategy x context x probe kind decides (results/safety.json)")
  .option("--out <file>", "write the table as JSON (schema rcu-lab/safety@1)")
  .option("--seconds <s>", "seconds per run", positiveNumber("--seconds"), 1.5)
  .option("--seed <n>", "torture seed", positiveInt("--seed", 2 ** 31), 1)
  .option("--cpus <n>", "emulated CPUs", positiveInt("--cpus", 64), 2)
  .option("--strategies <list>", "comma-separated (default: every strategy but off)", commaList("--strategies"));
addDeadlineOption(safety)
  .action(async (o: { out?: string; seconds: number; seed: number; cpus: number; strategies?: string[]; deadline: number }) => {
    if (o.out) checkWritable(o.out, "--out");
    const platform = (await import("../platform/node.js")).nodePlatform;
    const m = await Machine.create({ cpus: o.cpus, platform, deadlineMs: o.deadline * 1000 });
    try {
      const command = `rcu-lab safety ${process.argv.slice(3).join(" ")}`.trim();
      const r = await runSafety(m, { seconds: o.seconds, seed: o.seed, strategies: o.strategies, command, onProgress: progressLine() });
      const t = new Table({ head: ["strategy", "context", "probes", "verdict", "safe", "reason"], style: { head: [], border: [], compact: true } });
      for (const c of r.cells) t.push([c.strategy, c.context, c.probes, c.verdict, c.safe === null ? "?" : c.safe ? "yes" : "NO", c.reason.slice(0, 110)]);
      const unknown = r.cells.filter((c) => c.safe === null).length;
      const note = unknown ? `; ${unknown} INCONCLUSIVE, not recorded (safe: null, ? above): rerun with more --seconds` : "";
      process.stdout.write(`${t.toString()}\n${r.cells.length} cells, ${r.seconds} s per run, seed ${r.seed}, ${r.cpus} CPUs, ${r.elapsedS.toFixed(0)} s${note}\n`);
      if (o.out) writeResult(o.out, `${JSON.stringify(r, null, 2)}\n`, "--out");
    } finally {
      await m.close();
    }
  });

const calibrate = program
  .command("calibrate")
  .description(
    "measure the clock and the primitives here and write a cost profile (ops WebAssembly cannot execute come from the shipped native profile); " +
      "refuses (exit status 1, nothing written) when the clock does not measure steadily",
  )
  .option("--out <file>", "where to write the profile (checked writable before measuring)", "rcu-lab-profile.json")
  .option("--base <file>", "profile for the ops that cannot be measured here (default: the shipped native profile)")
  .option(
    "--max-spread <ratio>",
    `accept the clock when max/min GHz over its batches is at most this; a wider spread is measured again (3 attempts), then refused`,
    maxSpreadArg,
    DEFAULT_MAX_SPREAD,
  );
addDeadlineOption(calibrate)
  .action(async (o: { out: string; base?: string; maxSpread: number; deadline: number }) => {
    checkWritable(o.out, "--out");
    const platform = (await import("../platform/node.js")).nodePlatform;
    const base = readProfile(o.base);
    const m = await Machine.create({ cpus: 1, platform, deadlineMs: o.deadline * 1000 });
    try {
      const p = await calibrateProfile(m, base, { onProgress: progressLine(), onWarning: (w) => process.stderr.write(`${w}\n`), maxSpread: o.maxSpread });
      const written = writeResult(o.out, `${JSON.stringify(p, null, 2)}\n`, "--out");
      const t = new Table({ head: ["op", "cycles", "source"], style: { head: [], border: [] }, colWidths: [16, 10, 90], wordWrap: true });
      for (const [k, v] of Object.entries(p.cyclesPerOp)) t.push([k, v.toFixed(2), p.sources[k as keyof typeof p.sources]]);
      process.stdout.write(`cost profile ${p.name}: clock ${p.ghz.toFixed(3)} GHz, ${written ? `written to ${o.out}` : "NOT written (above)"}\n${t.toString()}\n`);
    } finally {
      await m.close();
    }
  });

addTortureCommand(program);
addRunCommand(program);
addRecursionCommand(program, readProfile);
addExploreCommands(program);
addServeCommand(program);
for (const cmd of program.commands) refuseEmptyAndRepeated(cmd);

// Under an npm script (npm start, npm run demo, npx), end with npm's shell (options.ts endWithParent);
// run from a shell of one's own (nohup, &), rcu-lab outlives it as any command does.
if (process.env.npm_lifecycle_event !== undefined) endWithParent("rcu-lab");

program.parseAsync().then(() => {
  // A result that could not be written (writeResult printed it): not a verdict's status.
  if (unwritten.length) process.exitCode = EXIT.UNWRITTEN;
}, (e: unknown) => {
  if (e instanceof CommanderError) {
    // commander printed the message (and the line pointing to --help); --help and --version exit 0.
    process.exitCode = e.exitCode === 0 ? 0 : EXIT.USAGE;
    return;
  }
  process.stderr.write(`rcu-lab: ${cliMessage(e, running)}\n`);
  // A command line that cannot be run (UsageError, or a runner's RangeError on its options) is 2; a run that broke, 1.
  process.exitCode = e instanceof UsageError || e instanceof RangeError ? EXIT.USAGE : EXIT.FAIL;
});
