// Whether a printed figure repeats from one invocation to the next: runs `rcu-lab bench`
// (default `--cpus 1 --probes 1`) as `invocations` separate processes, one after another, as a
// user comparing two runs would, and reports per row each invocation's median ns/call and how
// far apart they are: (max - min) / min of the invocations' medians. The goal is 5% on every row
// with one or more probes (docs/performance.md, "Figures that repeat").
import { spawn, type ChildProcess } from "node:child_process";
import os from "node:os";
import { fileURLToPath } from "node:url";
import type { StrategyReport } from "../bindings/experiments/strategy-bench.js";

/** The goal: the invocations' medians of a row lie within this fraction of the least. */
export const REPEAT_GOAL = 0.05;

export interface RepeatRow {
  row: string;
  probes: number;
  /** Each invocation's median ns/call (over its code instances). */
  medians: number[];
  /** (max - min) / min of `medians`. */
  spread: number;
  /** Each invocation's median cycles/call (each batch's ns x the clock beside it). */
  cycleMedians: number[];
  cycleSpread: number;
  /** Whether the goal applies (rows with one or more probes) and the cycles figure meets it. */
  meetsGoal: boolean | null;
  /** Largest spread of the code instances inside one invocation (StrategyRow.instanceSpread). */
  instanceSpread: number;
}

export interface RepeatReport {
  schema: "rcu-lab/repeat@1";
  machine: { cpu: string; node: string };
  command: string;
  invocations: number;
  /** Each invocation's clock beside its batches, GHz: least and greatest over its rows. */
  clocks: { min: number; max: number }[];
  rows: RepeatRow[];
}

const cli = fileURLToPath(new URL("../bindings/cli/main.js", import.meta.url));
const children = new Set<ChildProcess>();
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    for (const c of children) c.kill("SIGTERM");
    process.exit(128 + (sig === "SIGINT" ? 2 : 15));
  });
}

function invoke(args: readonly string[]): Promise<StrategyReport> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [cli, "bench", ...args, "--json"], { stdio: ["ignore", "pipe", "pipe"] });
    children.add(c);
    let out = "", err = "";
    c.stdout!.on("data", (d) => (out += d));
    c.stderr!.on("data", (d) => (err += d));
    c.on("close", (code) => {
      children.delete(c);
      if (code === 0) resolve(JSON.parse(out) as StrategyReport);
      else reject(new Error(`rcu-lab bench ${args.join(" ")} exited with ${code}: ${err.trim().split("\n").pop()}`));
    });
  });
}

export async function benchRepeat(invocations = 5, args: readonly string[] = ["--cpus", "1", "--probes", "1"]): Promise<RepeatReport> {
  if (!Number.isInteger(invocations) || invocations < 2) throw new RangeError(`repeat: invocations must be an integer of at least 2; got ${invocations}`);
  const reports: StrategyReport[] = [];
  for (let i = 0; i < invocations; i++) {
    process.stderr.write(`repeat: invocation ${i + 1} of ${invocations}: rcu-lab bench ${args.join(" ")}\n`);
    reports.push(await invoke(args));
  }
  const key = (r: { strategy: string; context: string; probes: number; scope: string }) => `${r.strategy}/${r.context}/${r.probes}/${r.scope}`;
  const rows = reports[0].rows.map((r0): RepeatRow => {
    const same = reports.map((rep) => rep.rows.find((x) => key(x) === key(r0))!);
    const spreadOf = (v: number[]) => (Math.max(...v) - Math.min(...v)) / Math.min(...v);
    const medians = same.map((x) => x.nsPerCall.median), cycleMedians = same.map((x) => x.cyclesPerCall.median);
    const cycleSpread = spreadOf(cycleMedians);
    return {
      row: key(r0), probes: r0.probes, medians, spread: spreadOf(medians), cycleMedians, cycleSpread,
      meetsGoal: r0.probes > 0 ? cycleSpread <= REPEAT_GOAL : null,
      instanceSpread: Math.max(...same.map((x) => x.instanceSpread ?? 0)),
    };
  });
  return {
    schema: "rcu-lab/repeat@1", machine: { cpu: os.cpus()[0]?.model ?? "unknown", node: process.version },
    command: `rcu-lab bench ${args.join(" ")}`, invocations, rows,
    clocks: reports.map((rep) => ({ min: Math.min(...rep.rows.map((x) => x.ghzBeside.min)), max: Math.max(...rep.rows.map((x) => x.ghzBeside.max)) })),
  };
}

export function renderRepeat(r: RepeatReport): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const lines = [
    `repeat: ${r.invocations} invocations of \`${r.command}\` on ${r.machine.cpu}, Node ${r.machine.node}; per row: each invocation's median ` +
      `cycles/call (each batch's ns x the clock measured beside it) and their spread (max - min) / min against the goal ${pct(REPEAT_GOAL)} on rows with probes; ` +
      "then the same for ns/call, which follow the clock; and the largest spread of code instances inside one invocation (ns)",
    `the clock beside the batches, per invocation: ${r.clocks.map((c) => `${c.min.toFixed(2)}-${c.max.toFixed(2)}`).join(", ")} GHz`,
  ];
  for (const x of r.rows) {
    const goal = x.meetsGoal === null ? "(no probe: no goal)" : x.meetsGoal ? "meets the goal" : "MISSES the goal";
    lines.push(
      `  ${x.row.padEnd(32)} cycles ${x.cycleMedians.map((m) => m.toFixed(1)).join(" ")}  spread ${pct(x.cycleSpread)} ${goal}; ` +
        `ns ${x.medians.map((m) => m.toFixed(2)).join(" ")}  spread ${pct(x.spread)}  (instances ${pct(x.instanceSpread)})`,
    );
  }
  const goalRows = r.rows.filter((x) => x.meetsGoal !== null);
  const nsWithin = goalRows.filter((x) => x.spread <= REPEAT_GOAL).length;
  lines.push(`${goalRows.filter((x) => x.meetsGoal).length} of ${goalRows.length} rows with probes repeat within ${pct(REPEAT_GOAL)} in cycles; ${nsWithin} of ${goalRows.length} in ns`);
  return lines.join("\n");
}
