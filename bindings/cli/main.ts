#!/usr/bin/env node
// rcu-lab command line.
import Table from "cli-table3";
import { Command, InvalidArgumentError, Option } from "commander";
import fs from "node:fs";
import { FAULT_NAMES, type FaultName } from "../abi/constants.js";
import { calibrateProfile } from "../experiments/calibrate.js";
import { parseProfile, SHIPPED_PROFILE_URL, type CostProfile } from "../experiments/costs.js";
import { PRIMITIVES, runPrimitives, type Impl, type Scope } from "../experiments/primitives.js";
import { runStrategyBench } from "../experiments/strategy-bench.js";
import { CONTEXTS, STRATEGIES, type BenchContext } from "../experiments/strategy-table.js";
import { TORTURE_FLAVORS, runTorture, type TortureFlavor } from "../experiments/torture.js";
import { runTpTorture } from "../experiments/tp-torture.js";
import { Machine } from "../machine/machine.js";
import { progressLine } from "./progress.js";
import { renderPrimitives } from "./render-primitives.js";
import { renderStrategies } from "./render-strategies.js";
import { renderTorture, renderTpTorture } from "./render-torture.js";

function positiveInt(what: string, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+(e\d+)?$/i.test(v.trim()) || !Number.isInteger(n) || n < 1 || n > max) {
      throw new InvalidArgumentError(`${what} must be an integer in 1..${max}; got '${v}'`);
    }
    return n;
  };
}

function positiveNumber(what: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive number; got '${v}'`);
    return n;
  };
}

function nonNegativeInt(what: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || n > 0xffffffff) throw new InvalidArgumentError(`${what} must be an integer in 0..4294967295; got '${v}'`);
    return n;
  };
}

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
  .showHelpAfterError();

program
  .command("primitives")
  .description("ns per op of the kernel primitives in WebAssembly (1 CPU and all CPUs), beside plain JS+Atomics and native x86-64")
  .option("--cpus <n>", "emulated CPUs (default: the cores available)", positiveInt("--cpus"))
  .option("--iterations <n>", "operations per timed batch", positiveInt("--iterations", 2 ** 32 - 1), 10_000_000)
  .option("--reps <n>", "timed repetitions per figure", positiveInt("--reps", 1000), 5)
  .option("--only <names>", `comma-separated primitives: ${PRIMITIVES.map((p) => p.name).join(", ")}`)
  .addOption(new Option("--impl <impl>", "which implementations").choices(["both", "wasm", "js"]).default("both"))
  .option("--json", "print the report as JSON (schema rcu-lab/primitives@1) instead of tables")
  .action(async (o: { cpus?: number; iterations: number; reps: number; only?: string; impl: string; json?: boolean }) => {
    const platform = (await import("../platform/node.js")).nodePlatform;
    const cpus = o.cpus ?? platform.cores();
    const machine = await Machine.create({ cpus, platform });
    try {
      const report = await runPrimitives(machine, {
        iterations: o.iterations,
        reps: o.reps,
        only: o.only?.split(",").map((s) => s.trim()),
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
    throw new Error(`cannot read cost profile ${where}: ${(e as Error).message} (write one with: rcu-lab calibrate --out ${where})`);
  }
  return parseProfile(text, where);
}

const list = (v: string) => v.split(",").map((x) => x.trim()).filter(Boolean);

program
  .command("bench")
  .description("the strategy table: every strategy x context x probes, ns/call, calibrated cycles, op counts, modeled cycles")
  .option("--strategies <list>", `comma-separated: ${STRATEGIES.map((s) => s.name).join(", ")}`)
  .option("--contexts <list>", "comma-separated: task (RCU watching), idle (not watching)")
  .option("--probes <list>", "comma-separated probe counts: 0, 1, 3")
  .option("--cpus <n>", "emulated CPUs (default: the cores available)", positiveInt("--cpus", 64))
  .option("--iterations <n>", "calls per timed batch", positiveInt("--iterations", 2 ** 32 - 1), 1_000_000)
  .option("--reps <n>", "timed repetitions per figure", positiveInt("--reps", 1000), 5)
  .option("--profile <file>", "cost profile for modeled cycles (default: the shipped native profile)")
  .option("--churn", "a concurrent updater registers/unregisters a probe on the measured tracepoint during each figure")
  .option("--json", "print the report as JSON (schema rcu-lab/bench@1)")
  .action(async (o: { strategies?: string; contexts?: string; probes?: string; cpus?: number; iterations: number; reps: number; profile?: string; churn?: boolean; json?: boolean }) => {
    const platform = (await import("../platform/node.js")).nodePlatform;
    const profile = readProfile(o.profile);
    const cpus = o.cpus ?? platform.cores();
    const probes = o.probes ? list(o.probes).map((x) => {
      const n = Number(x);
      if (![0, 1, 3].includes(n)) throw new Error(`--probes: '${x}' is not one of 0, 1, 3`);
      return n;
    }) : undefined;
    const m = await Machine.create({ cpus, platform });
    const counting = await Machine.create({ cpus: 1, platform, build: "counting" });
    try {
      const report = await runStrategyBench(m, counting, profile, {
        strategies: o.strategies ? list(o.strategies) : undefined,
        contexts: o.contexts ? (list(o.contexts) as BenchContext[]) : undefined,
        probes, iterations: o.iterations, reps: o.reps, churn: o.churn, onProgress: progressLine(),
      });
      process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderStrategies(report)}\n`);
    } finally {
      await Promise.all([m.close(), counting.close()]);
    }
  });

program
  .command("calibrate")
  .description("measure the clock and the primitives here and write a cost profile (ops WebAssembly cannot execute come from the shipped native profile)")
  .option("--out <file>", "where to write the profile", "rcu-lab-profile.json")
  .option("--base <file>", "profile for the ops that cannot be measured here (default: the shipped native profile)")
  .action(async (o: { out: string; base?: string }) => {
    const platform = (await import("../platform/node.js")).nodePlatform;
    const base = readProfile(o.base);
    const m = await Machine.create({ cpus: 1, platform });
    try {
      const p = await calibrateProfile(m, base, progressLine());
      fs.writeFileSync(o.out, `${JSON.stringify(p, null, 2)}\n`);
      const t = new Table({ head: ["op", "cycles", "source"], style: { head: [], border: [] }, colWidths: [16, 10, 90], wordWrap: true });
      for (const [k, v] of Object.entries(p.cyclesPerOp)) t.push([k, v.toFixed(2), p.sources[k as keyof typeof p.sources]]);
      process.stdout.write(`cost profile ${p.name}: clock ${p.ghz.toFixed(3)} GHz, written to ${o.out}\n${t.toString()}\n`);
    } finally {
      await m.close();
    }
  });

program
  .command("torture")
  .description("rcutorture-style oracle: readers of a flavor against a writer; exits 1 on a too-short grace period or a freed element read")
  .addOption(new Option("--flavor <flavor>", "RCU flavor").choices([...TORTURE_FLAVORS]).default("rcu"))
  .addOption(new Option("--strategy <name>", "torture a tracepoint strategy instead of an RCU flavor").choices(STRATEGIES.map((s) => s.name)))
  .option("--contexts <list>", `with --strategy: comma-separated contexts to call from (${CONTEXTS.join(", ")}); default: where the strategy is legal`)
  .option("--cpus <n>", "emulated CPUs: CPU 0 writes, the others read", positiveInt("--cpus", 64), 3)
  .option("--seconds <s>", "duration in seconds", positiveNumber("--seconds"), 4)
  .option("--seed <n>", "random seed", nonNegativeInt("--seed"), 1)
  .addOption(new Option("--fault <name>", "inject a deliberately broken mechanism").choices([...FAULT_NAMES]))
  .option("--long-delay-rate <n>", "flavor runs: 1 in N reader sections takes a 1-5 ms delay (0 = never)", nonNegativeInt("--long-delay-rate"), 64)
  .option("--stall-rate <n>", "flavor runs (SRCU): 1 in N task sections stalls 1-4 ms between reading the index and the increment", nonNegativeInt("--stall-rate"), 64)
  .option("--migrate-rate <n>", "flavor runs (SRCU): 1 in N task sections migrates to another CPU", nonNegativeInt("--migrate-rate"), 64)
  .option("--spin-us <n>", "strategy runs: the spinning probe holds a reader 1/2 to 1 times this many microseconds", positiveInt("--spin-us", 1_000_000), 4000)
  .option("--json", "print the report as JSON (schema rcu-lab/torture@1, or rcu-lab/tp-torture@1 with --strategy)")
  .action(async (o: {
    flavor: TortureFlavor; strategy?: string; contexts?: string; cpus: number; seconds: number; seed: number; fault?: FaultName; json?: boolean;
    longDelayRate: number; stallRate: number; migrateRate: number; spinUs: number;
  }) => {
    const platform = (await import("../platform/node.js")).nodePlatform;
    if (o.strategy) {
      if (o.fault) throw new Error("--fault applies to --flavor runs; a strategy torture breaks nothing on purpose (call it from an illegal context with --contexts instead)");
      const machine = await Machine.create({ cpus: o.cpus, platform, deadlineMs: 60_000 });
      try {
        const tty = process.stderr.isTTY;
        const report = await runTpTorture(machine, {
          strategy: o.strategy, contexts: o.contexts ? list(o.contexts) : undefined, seconds: o.seconds, seed: o.seed, spinUs: o.spinUs,
          onProgress: (p) => process.stderr.write(`${tty ? "\r\x1b[2K" : ""}torture ${o.strategy}: ${p.elapsedS.toFixed(1)}/${p.seconds} s, ${p.calls} calls, ${p.updates} updates, use-after-free ${p.uaf}${tty ? "" : "\n"}`),
        });
        if (tty) process.stderr.write("\n");
        process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderTpTorture(report)}\n`);
        if (!report.passed) process.exitCode = 1;
      } finally {
        await machine.close();
      }
      return;
    }
    if (o.cpus > platform.cores()) {
      process.stderr.write(`note: ${o.cpus} CPU workers on ${platform.cores()} cores: they time-share, which torture tolerates (latency figures would not)\n`);
    }
    const machine = await Machine.create({ cpus: o.cpus, platform, deadlineMs: 60_000 });
    try {
      const tty = process.stderr.isTTY;
      const report = await runTorture(machine, {
        flavor: o.flavor, seconds: o.seconds, seed: o.seed, fault: o.fault,
        longDelayRate: o.longDelayRate, stallRate: o.stallRate, migrateRate: o.migrateRate,
        onProgress: (p) => process.stderr.write(`${tty ? "\r\x1b[2K" : ""}torture ${o.flavor}: ${p.elapsedS.toFixed(1)}/${p.seconds} s, ${p.gracePeriods} grace periods, ${p.sections} sections, errors ${p.pipeErrors + p.mberrors}${tty ? "" : "\n"}`),
      });
      if (process.stderr.isTTY) process.stderr.write("\n");
      process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderTorture(report)}\n`);
      if (!report.passed) process.exitCode = 1;
    } finally {
      await machine.close();
    }
  });

program.parseAsync().catch((e: unknown) => {
  process.stderr.write(`rcu-lab: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
