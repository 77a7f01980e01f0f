// rcu-lab explore and rcu-lab replay (docs/explorer.md). Exit statuses: 0 the bound was
// explored clean (replay: the run is clean), 1 a counterexample (replay: the failure shows
// again), 2 bad command line, 4 the budget ran out before the bound was explored, 5 an
// output file could not be written at the end (options.ts writeResult).
import { InvalidArgumentError, Option, type Command } from "commander";
import fs from "node:fs";
import { FAULT_NAMES, type FaultName } from "../abi/constants.js";
import { CONFIGS, DEFAULT_CONFIG, EXPLORE_FAULTS, FAULT_CONFIG, configByName } from "../experiments/explore-configs.js";
import { SCHEDULERS, compileStepping, configsReaching, explore, faultReach, makeMachine, parseReplay, replayFile, type ExploreOptions, type SchedulerName } from "../experiments/explore.js";
import { chromeTrace, formatTrace, recordTrace } from "../experiments/explore-trace.js";
import { EXIT, UsageError, checkWritable, explicit, refuseDeepJson, nonNegativeInt, positiveInt, positiveNumber, writeResult } from "./options.js";
import { describeConfig, renderExplore } from "./render-explore.js";

/** explore's exit status when its budget ran out first (EXIT holds the shared ones). */
export const EXIT_BUDGET = 4;

interface ExploreCli {
  config?: string; fault?: FaultName; scheduler: SchedulerName; bound?: number; seed: number; schedules: number; budget: number;
  maxSteps: number; minimize: boolean; out: string; trace?: string; preemptKthread?: boolean; json?: boolean; tso?: boolean;
}

/** --fault: only a fault whose code some configuration reaches (the --help list); else exit 2 saying so. */
function exploreFault(v: string): FaultName {
  if (!(EXPLORE_FAULTS as readonly string[]).includes(v)) {
    const why = (FAULT_NAMES as readonly string[]).includes(v) ? "no explore configuration reaches its code, so exploring it would test nothing" : "no such fault";
    throw new InvalidArgumentError(`${why}; faults explore reaches: ${EXPLORE_FAULTS.join(", ")}`);
  }
  return v as FaultName;
}

function writeTrace(path: string, events: Parameters<typeof chromeTrace>[0], title: string): void {
  writeResult(path, `${JSON.stringify(chromeTrace(events, title))}\n`, "--trace");
}

/** The default replay file's name. */
export const DEFAULT_REPLAY = "rcu-lab-counterexample.json";

/**
 * Write the replay file: to --out as given (an existing file is replaced), or, by default, to
 * the first of rcu-lab-counterexample.json, -2.json, -3.json ... that does not exist yet,
 * created exclusively, so two explores in one folder never overwrite each other's file.
 * Returns the file written, or undefined (writeResult printed the text instead).
 */
export function writeReplay(text: string, out: string, given: boolean): string | undefined {
  if (given) return writeResult(out, text, "--out") ? out : undefined;
  const stem = out.replace(/\.json$/, "");
  for (let i = 1; ; i++) {
    const file = i === 1 ? out : `${stem}-${i}.json`;
    try {
      return writeResult(file, text, "--out", "wx") ? file : undefined;
    } catch {
      continue; // EEXIST: another explore's file
    }
  }
}

export function addExploreCommands(program: Command): void {
  program
    .command("explore")
    .description(
      "systematic interleaving explorer: the emulated CPUs run the same kernel code under an explicit scheduler. Exit status 0 the bound was explored clean, " +
        "1 counterexample, 2 bad command line, 4 the budget ran out first, 5 the replay file or --trace could not be written (the text went to stdout)",
    )
    .addOption(new Option("--config <name>", `built-in configuration (default: the fault's, else ${DEFAULT_CONFIG})`).choices(CONFIGS.map((c) => c.name)))
    .addOption(
      new Option("--fault <name>", "inject a deliberately broken mechanism (as torture names them; those whose code some configuration reaches)")
        .choices([...EXPLORE_FAULTS]).argParser(exploreFault),
    )
    .addOption(new Option("--scheduler <name>", "exhaustive (bounded), random or pct").choices([...SCHEDULERS]).default("exhaustive"))
    .option("--bound <n>", "exhaustive: deviations from the default schedule (default: the fault's, else 2); pct: the depth d (default 3)", nonNegativeInt("--bound"))
    .option("--seed <n>", "random and pct: seed", nonNegativeInt("--seed"), 1)
    .option("--schedules <n>", "random and pct: schedules to run", positiveInt("--schedules"), 20_000)
    .option("--budget <s>", "give up after this many seconds (exit status 4)", positiveNumber("--budget"), 300)
    .option("--max-steps <n>", "cut a schedule after this many accesses", positiveInt("--max-steps"), 20_000)
    .option("--no-minimize", "report the counterexample as found")
    .option("--out <file>", `where to write the replay file of a counterexample (replaced if it exists); default ${DEFAULT_REPLAY}, or -2.json, -3.json ... when that exists`, DEFAULT_REPLAY)
    .option("--trace <file>", "write the counterexample's interleaving as Chrome trace-event JSON")
    .option("--tso", "x86-TSO: per-CPU store buffers for plain stores, drained by locked operations (default: sequentially consistent; on with --fault srcu-no-barrier-b)")
    .option("--no-tso", "sequentially consistent even with --fault srcu-no-barrier-b")
    .option("--preempt-kthread", "let deviations preempt the grace-period kthread too (default: it runs until it yields)")
    .option("--json", "print the result as JSON (schema rcu-lab/explore@1)")
    .action(async (o: ExploreCli, self: Command) => {
      if (o.scheduler === "random" && explicit(self, "bound")) {
        throw new UsageError(
          `--bound ${o.bound} does not apply to --scheduler random: it bounds the exhaustive search's deviations or sets PCT's depth, and the random scheduler ` +
            "uses neither (each schedule deviates at random); drop --bound, or choose --scheduler exhaustive or pct",
        );
      }
      for (const name of ["schedules", "seed"] as const) {
        if (o.scheduler === "exhaustive" && explicit(self, name)) {
          throw new UsageError(
            `--${name} ${o[name]} does not apply to --scheduler exhaustive: it runs every schedule within --bound, in order, with no seed or count; ` +
              `drop --${name}, or choose --scheduler random or pct`,
          );
        }
      }
      // By default a new file is created beside an existing one: the folder must be writable.
      checkWritable(explicit(self, "out") || !fs.existsSync(o.out) ? o.out : `${o.out.replace(/\.json$/, "")}-2.json`, "--out");
      if (o.trace) checkWritable(o.trace, "--trace");
      const fc = o.fault ? FAULT_CONFIG[o.fault] : undefined;
      const module = await compileStepping((await import("../platform/node.js")).nodePlatform);
      // A fault without a configuration of its own: the first that reaches it (explore() refuses one that does not).
      const config = configByName(o.config ?? fc?.config ?? (o.fault ? configsReaching(faultReach(module, o.maxSteps), o.fault)[0] : undefined) ?? DEFAULT_CONFIG);
      const opts: ExploreOptions = {
        config, fault: o.fault, scheduler: o.scheduler, bound: o.bound ?? (o.scheduler === "pct" ? 3 : fc?.bound ?? 2), seed: o.seed, schedules: o.schedules,
        budgetSeconds: o.budget, maxSteps: o.maxSteps, minimize: o.minimize, preemptKthread: o.preemptKthread ?? false, tso: o.tso ?? fc?.tso ?? false,
        progress: (s, e) => process.stderr.write(`explore: ${s.toLocaleString("en-US")} schedules, ${e.toFixed(0)} s\n`),
      };
      const r = explore(module, opts);
      let events, replay: string | undefined;
      if (r.counterexample) {
        const m = makeMachine(module, config, o.fault, opts.tso);
        events = recordTrace(m, r.counterexample.deviations, opts.maxSteps).events;
        replay = writeReplay(`${JSON.stringify(replayFile(opts, r.counterexample), null, 2)}\n`, o.out, explicit(self, "out"));
        if (o.trace) writeTrace(o.trace, events, `rcu-lab explore ${config.name}${o.fault ? ` --fault ${o.fault}` : ""}`);
      }
      const { progress: _p, config: _c, ...shown } = opts;
      process.stdout.write(`${o.json ? JSON.stringify({ schema: "rcu-lab/explore@1", config: config.name, ...shown, ...r, interleaving: events, replayFile: replay }, null, 2) : renderExplore(opts, r, events, replay)}\n`);
      process.exitCode = r.status === "counterexample" ? EXIT.FAIL : r.status === "clean" ? EXIT.PASS : EXIT_BUDGET;
    });

  program
    .command("replay")
    .description("re-run a counterexample written by explore, deterministically, and show its interleaving. Exit status 1 the failure shows, 0 the run is clean, 2 bad file")
    .argument("<file>", "replay file (explore --out)")
    .option("--trace <file>", "write the interleaving as Chrome trace-event JSON")
    .action(async (file: string, o: { trace?: string }) => {
      if (o.trace) checkWritable(o.trace, "--trace");
      let f;
      try {
        const text = fs.readFileSync(file, "utf8");
        refuseDeepJson(text, file, "replay file");
        f = parseReplay(JSON.parse(text), file);
      } catch (e) {
        throw new UsageError(`cannot replay ${file}: ${(e as Error).message}`);
      }
      const config = configByName(f.config);
      const module = await compileStepping((await import("../platform/node.js")).nodePlatform);
      const { events, result } = recordTrace(makeMachine(module, config, f.fault, f.tso ?? false), f.deviations, f.maxSteps);
      if (o.trace) writeTrace(o.trace, events, `rcu-lab replay ${file}`);
      const same = result.violation === f.violation && result.failedStep === f.failedStep;
      const head = [`replay ${file}: ${describeConfig(config)}; fault ${f.fault ?? "none"}${f.tso ? "; x86-TSO" : ""}; ${f.deviations.length} deviation(s)`, "interleaving:", ...formatTrace(events)];
      const verdict = result.violation === undefined ? `result: CLEAN: the recorded failure did not show (recorded: ${f.violation})`
        : `result: COUNTEREXAMPLE ${same ? "reproduced" : "(a different failure than recorded)"}: ${result.violation} (at access ${result.failedStep})`;
      process.stdout.write(`${[...head, verdict].join("\n")}\n`);
      process.exitCode = result.violation === undefined ? EXIT.PASS : EXIT.FAIL;
    });
}
