// rcu-lab torture: the rcutorture-style oracle of a flavor, or of a tracepoint strategy
// (--strategy). Options that belong to the other mode are refused when given explicitly,
// and so is a fault that the flavor's code never runs: either would print a verdict
// about something that was not tested. Exit statuses: options.ts EXIT.
import { InvalidArgumentError, Option, type Command } from "commander";
import { FAULT_NAMES, type FaultName } from "../abi/constants.js";
import { CONTEXTS, STRATEGIES } from "../experiments/strategy-table.js";
import { FAULT_FLAVORS, TORTURE_ACCEPTED_FAULTS, TORTURE_FLAVORS, runTorture, type TortureFlavor } from "../experiments/torture.js";
import { PROBE_KINDS, runTpTorture, type ProbeKind } from "../experiments/tp-torture.js";
import type { Verdict } from "../experiments/verdict.js";
import { Machine } from "../machine/machine.js";
import { EXIT, UsageError, addDeadlineOption, commaList, explicit, nonNegativeInt, positiveInt, positiveNumber } from "./options.js";
import { renderTorture, renderTpTorture } from "./render-torture.js";

interface TortureCliOptions {
  flavor: TortureFlavor; strategy?: string; contexts?: string[]; cpus: number; seconds: number; seed: number; fault?: FaultName; json?: boolean;
  longDelayRate: number; stallRate: number; migrateRate: number; spinUs: number; probes: ProbeKind; deadline: number; expedited?: boolean;
}

/** Options of one mode only: [attribute, flag]. */
const FLAVOR_ONLY = [["flavor", "--flavor"], ["fault", "--fault"], ["expedited", "--expedited"], ["longDelayRate", "--long-delay-rate"], ["stallRate", "--stall-rate"], ["migrateRate", "--migrate-rate"]] as const;
const STRATEGY_ONLY = [["contexts", "--contexts"], ["spinUs", "--spin-us"], ["probes", "--probes"]] as const;

/** Refuse what does not apply to the mode chosen (only what the user typed: defaults are fine). */
export function checkTortureOptions(o: TortureCliOptions, cmd: Command): void {
  if (o.strategy) {
    const bad = FLAVOR_ONLY.filter(([k]) => explicit(cmd, k)).map(([, f]) => f);
    if (bad.length) {
      throw new UsageError(
        `${bad.join(", ")} ${bad.length > 1 ? "apply" : "applies"} to flavor runs, not to --strategy ${o.strategy}; a strategy torture breaks nothing on purpose ` +
          `(call it from an illegal context with --contexts instead): drop ${bad.join(", ")} or drop --strategy`,
      );
    }
    return;
  }
  const bad = STRATEGY_ONLY.filter(([k]) => explicit(cmd, k)).map(([, f]) => f);
  if (bad.length) throw new UsageError(`${bad.join(", ")} ${bad.length > 1 ? "apply" : "applies"} to tracepoint runs (--strategy <name>), not to --flavor ${o.flavor}: drop ${bad.join(", ")} or add --strategy`);
  // SRCU's read side only: between reading srcu_idx and the increment, and a task that
  // migrates with its srcu_idx (assembly/torture/rcutorture.ts); an RCU reader has neither.
  const srcuOnly = ([["stallRate", "--stall-rate"], ["migrateRate", "--migrate-rate"]] as const).filter(([k]) => explicit(cmd, k)).map(([, f]) => f);
  if (o.flavor === "rcu" && srcuOnly.length) {
    throw new UsageError(
      `${srcuOnly.join(", ")} ${srcuOnly.length > 1 ? "apply" : "applies"} to SRCU readers (--flavor srcu or srcu-fast), not to --flavor rcu: an RCU reader has no srcu_idx ` +
        `to stall after or to carry to another CPU, so the rate would change nothing; drop ${srcuOnly.join(", ")} or choose --flavor srcu`,
    );
  }
  if (o.expedited && o.flavor !== "rcu") throw new UsageError(`--expedited applies to --flavor rcu (synchronize_rcu_expedited()), not to --flavor ${o.flavor}`);
  if (o.fault === "exp-qs-in-reader" && !o.expedited) throw new UsageError("--fault exp-qs-in-reader breaks expedited grace periods: add --expedited");
  if (o.fault && !FAULT_FLAVORS[o.fault].includes(o.flavor)) {
    throw new UsageError(
      `--fault ${o.fault} does not apply to --flavor ${o.flavor}: it acts only on ${FAULT_FLAVORS[o.fault].join(" and ")} runs (what it breaks is what their oracle checks), so the run would test nothing; ` +
        `use --flavor ${FAULT_FLAVORS[o.fault][0]}, or a fault of ${o.flavor}: ${FAULT_NAMES.filter((f) => FAULT_FLAVORS[f].includes(o.flavor)).join(", ")}`,
    );
  }
}

const exitOf = (v: Verdict) => EXIT[v];

/** --fault: only a fault some flavor's run acts on (the --help list); else exit 2 saying so. */
function tortureFault(v: string): FaultName {
  if (!(TORTURE_ACCEPTED_FAULTS as readonly string[]).includes(v)) {
    const why = (FAULT_NAMES as readonly string[]).includes(v) ? "is a broken variant for the unit tests: no torture run executes its code, so the run would test nothing" : "is no fault";
    throw new InvalidArgumentError(`${v} ${why}; faults a torture run reaches: ${TORTURE_ACCEPTED_FAULTS.join(", ")}`);
  }
  return v as FaultName;
}

export function addTortureCommand(program: Command): void {
  const cmd = program
    .command("torture")
    .description(
      "rcutorture-style oracle: readers of a flavor against a writer. Exit status 0 PASS, 1 FAIL (a too-short grace period, a freed element or probe array used, " +
        "usage errors of a strategy), 2 bad command line, 3 INCONCLUSIVE (nothing was tested: no grace period, no freed element or array, no reader)",
    )
    .addOption(new Option("--flavor <flavor>", "RCU flavor").choices([...TORTURE_FLAVORS]).default("rcu"))
    .addOption(new Option("--strategy <name>", "torture a tracepoint strategy instead of an RCU flavor").choices(STRATEGIES.map((s) => s.name)))
    .option("--contexts <list>", `with --strategy: comma-separated contexts to call from (${CONTEXTS.join(", ")}); default: where the strategy is legal`, commaList("--contexts"))
    .option("--cpus <n>", "emulated CPUs: CPU 0 writes, the others read", positiveInt("--cpus", 64), 3)
    .option("--seconds <s>", "duration in seconds", positiveNumber("--seconds"), 4)
    .option("--seed <n>", "random seed", nonNegativeInt("--seed"), 1)
    .option("--expedited", "flavor rcu: the writer waits with synchronize_rcu_expedited() (IPIs to CPUs not in an extended quiescent state)")
    .addOption(new Option("--fault <name>", "flavor runs: inject a deliberately broken mechanism of that flavor").choices([...TORTURE_ACCEPTED_FAULTS]).argParser(tortureFault))
    .option("--long-delay-rate <n>", "flavor runs: 1 in N reader sections takes a 1-5 ms delay (0 = never)", nonNegativeInt("--long-delay-rate"), 64)
    .option("--stall-rate <n>", "flavor runs (SRCU): 1 in N task sections stalls 1-4 ms between reading the index and the increment", nonNegativeInt("--stall-rate"), 64)
    .option("--migrate-rate <n>", "flavor runs (SRCU): 1 in N task sections migrates to another CPU", nonNegativeInt("--migrate-rate"), 64)
    .option("--spin-us <n>", "strategy runs: the spinning probe holds a reader 1/2 to 1 times this many microseconds", positiveInt("--spin-us", 1_000_000), 4000)
    .addOption(
      new Option("--probes <kind>", "strategy runs: empty (tick, spin, count: no RCU) or rcu (adds a probe that takes rcu_read_lock() on an object freed with call_rcu)")
        .choices([...PROBE_KINDS]).default("empty"),
    )
    .option("--json", "print the report as JSON (schema rcu-lab/torture@1, or rcu-lab/tp-torture@1 with --strategy)");
  addDeadlineOption(cmd).action(async (o: TortureCliOptions, self: Command) => {
    checkTortureOptions(o, self);
    const platform = (await import("../platform/node.js")).nodePlatform;
    const tty = process.stderr.isTTY;
    const line = (s: string) => process.stderr.write(`${tty ? "\r\x1b[2K" : ""}${s}${tty ? "" : "\n"}`);
    if (!o.strategy && o.cpus > platform.cores()) {
      process.stderr.write(`note: ${o.cpus} CPU workers on ${platform.cores()} cores: they time-share, which torture tolerates (latency figures would not)\n`);
    }
    const machine = await Machine.create({ cpus: o.cpus, platform, deadlineMs: o.deadline * 1000 });
    try {
      let out: string, verdict: Verdict;
      if (o.strategy) {
        const report = await runTpTorture(machine, {
          strategy: o.strategy, contexts: o.contexts, seconds: o.seconds, seed: o.seed, spinUs: o.spinUs, probes: o.probes,
          onProgress: (p) => line(`torture ${o.strategy}: ${p.elapsedS.toFixed(1)}/${p.seconds} s, ${p.calls} calls, ${p.updates} updates, use-after-free ${p.uaf}`),
        });
        [out, verdict] = [o.json ? JSON.stringify(report, null, 2) : renderTpTorture(report), report.verdict];
      } else {
        const report = await runTorture(machine, {
          flavor: o.flavor, seconds: o.seconds, seed: o.seed, fault: o.fault, expedited: o.expedited,
          longDelayRate: o.longDelayRate, stallRate: o.stallRate, migrateRate: o.migrateRate,
          onProgress: (p) => line(`torture ${o.flavor}: ${p.elapsedS.toFixed(1)}/${p.seconds} s, ${p.gracePeriods} grace periods, ${p.sections} sections, errors ${p.pipeErrors + p.mberrors}`),
        });
        [out, verdict] = [o.json ? JSON.stringify(report, null, 2) : renderTorture(report), report.verdict];
      }
      if (tty) process.stderr.write("\n");
      process.stdout.write(`${out}\n`);
      process.exitCode = exitOf(verdict);
    } finally {
      await machine.close();
    }
  });
}
