// rcu-lab recursion: every recursion guard x scenario (counts from one WebAssembly call per
// cell) and each guard's cost per call; --json prints schema rcu-lab/recursion@1 (docs/recursion.md).
import type { Command } from "commander";
import type { CostProfile } from "../experiments/costs.js";
import { GUARDS, SCENARIOS } from "../experiments/recursion.js";
import { runRecursionTable } from "../experiments/recursion-table.js";
import { createLocalCpu } from "../machine/local-cpu.js";
import { Machine } from "../machine/machine.js";
import { UsageError, addDeadlineOption, commaList, nonNegativeInt, positiveInt } from "./options.js";
import { progressLine } from "./progress.js";
import { renderRecursion } from "./render-recursion.js";

interface RecursionCliOptions {
  guards?: string[]; guardB?: string; scenarios?: string[]; seed: number; steps: number; costs: boolean; iterations: number; reps: number; profile?: string; json?: boolean; deadline: number;
}

export function addRecursionCommand(program: Command, readProfile: (path?: string) => CostProfile): void {
  const cmd = program
    .command("recursion")
    .description("tracer recursion guards compared: events recorded, legitimate nested events lost, recursions stopped, depth and crashes per guard x scenario, and each guard's cost per call")
    .option("--guards <list>", `comma-separated: ${GUARDS.map((g) => g.name).join(", ")}`, commaList("--guards"))
    .option("--guard-b <name>", "tracer B's guard in every cell (default: the column's guard, as tracer A)")
    .option("--scenarios <list>", `comma-separated: ${SCENARIOS.map((s) => s.name).join(", ")}`, commaList("--scenarios"))
    .option("--seed <n>", "seed of the random scenario", nonNegativeInt("--seed"), 1)
    .option("--steps <n>", "top-level steps of the random scenario", positiveInt("--steps", 1_000_000), 2000)
    .option("--no-costs", "skip the guards' cost per call (ns, cycles, op counts, modeled cycles)")
    .option("--iterations <n>", "guard calls per timed batch", positiveInt("--iterations", 2 ** 32 - 1), 1_000_000)
    .option("--reps <n>", "timed repetitions per guard", positiveInt("--reps", 1000), 5)
    .option("--profile <file>", "cost profile for modeled cycles (default: the shipped native profile)")
    .option("--json", "print the report as JSON (schema rcu-lab/recursion@1, docs/recursion.md)");
  addDeadlineOption(cmd).action(async (o: RecursionCliOptions) => {
    const platform = (await import("../platform/node.js")).nodePlatform;
    const profile = o.costs ? readProfile(o.profile) : undefined;
    const local = await createLocalCpu(platform, "release");
    const machine = o.costs ? await Machine.create({ cpus: 1, platform, idle: false, deadlineMs: o.deadline * 1000 }) : undefined;
    try {
      const counting = o.costs ? await createLocalCpu(platform, "counting") : undefined;
      let report;
      try {
        report = await runRecursionTable(local, {
          guards: o.guards, guardB: o.guardB, scenarios: o.scenarios,
          seed: o.seed, randomSteps: o.steps, costs: o.costs, iterations: o.iterations, reps: o.reps, onProgress: progressLine(),
        }, machine && counting && profile ? { machine, counting, profile } : undefined);
      } catch (e) {
        if (e instanceof RangeError) throw new UsageError(e.message);
        throw e;
      }
      process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderRecursion(report)}\n`);
    } finally {
      await machine?.close();
    }
  });
}
