// rcu-lab run <file>: a scenario (scenarios/*.json, checked against the shipped
// scenarios/schema.json), its table on stdout (or --json), progress on stderr, and on
// request an SVG chart (--svg) and a Chrome trace (--trace).
import type { Command } from "commander";
import fs from "node:fs";
import type { JsonSchema } from "../experiments/json-schema.js";
import { checkSchema, parseScenario, ScenarioError, type Scenario } from "../experiments/scenario-parse.js";
import { runScenario, type ScenarioReport } from "../experiments/scenario.js";
import { runTraced, type TraceResult } from "../experiments/scenario-trace.js";
import { UsageError, addDeadlineOption, checkWritable, positiveInt, writeResult } from "./options.js";
import { progressLine } from "./progress.js";
import { renderScenario, renderScenarioSvg, renderTraceSummary } from "./render-scenario.js";

/** The schema that ships with the package (dist/bindings/cli/ -> the root). */
export const SCHEMA_URL = new URL("../../../scenarios/schema.json", import.meta.url);

export function loadSchema(): JsonSchema {
  const schema = JSON.parse(fs.readFileSync(SCHEMA_URL, "utf8")) as JsonSchema;
  checkSchema(schema);
  return schema;
}

/** Read and check a scenario file; a bad one is a usage error naming each field. */
export function readScenario(file: string): Scenario {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read scenario ${file}: ${(e as Error).message} (shipped scenarios are in scenarios/ of the package)`);
  }
  try {
    return parseScenario(text, file, loadSchema());
  } catch (e) {
    if (e instanceof ScenarioError) throw new UsageError(e.message);
    throw e;
  }
}

interface RunCliOptions { json?: boolean; svg?: string; trace?: string; traceStrategy?: string; shorten: number; deadline: number }

/** The --json document: the report, plus the trace summary when --trace was given. */
export type RunJson = ScenarioReport & { trace?: Omit<TraceResult, "trace"> & { file: string } };

export function addRunCommand(program: Command): void {
  const run = program
    .command("run")
    .argument("<file>", "scenario file (JSON; schema: scenarios/schema.json of the package)")
    .description("run a scenario: a weighted mix of kernel paths per strategy of the rcuidle tracepoint; ns per path with spread, op counts, path shares")
    .option("--json", "print the report as JSON (schema rcu-lab/scenario@1, docs/scenarios.md) instead of the table")
    .option("--svg <file>", "write a chart: strategies x ns per path, median bars with min-max whiskers")
    .option("--trace <file>", "write a Chrome trace-event JSON (Perfetto UI, chrome://tracing) of the first variant, from the tracing build")
    .option("--trace-strategy <name>", "the strategy --trace records (default: the first with its tracepoint enabled)")
    .option("--shorten <factor>", "divide the iterations by this and keep at most 2 reps (a quick look; tests)", positiveInt("--shorten"), 1);
  addDeadlineOption(run).action(async (file: string, o: RunCliOptions) => {
    if (o.traceStrategy !== undefined && !o.trace) {
      throw new UsageError(`--trace-strategy ${o.traceStrategy} chooses the strategy --trace records, and there is no --trace: add --trace <file> or drop --trace-strategy`);
    }
    if (o.svg) checkWritable(o.svg, "--svg");
    if (o.trace) checkWritable(o.trace, "--trace");
    const sc = readScenario(file);
    const platform = (await import("../platform/node.js")).nodePlatform;
    const opts = { platform, deadlineMs: o.deadline * 1000, onProgress: progressLine(), shorten: o.shorten };
    const report = await runScenario(sc, opts);
    let traced: TraceResult | undefined;
    if (o.trace) {
      traced = await runTraced(sc, { ...opts, strategy: o.traceStrategy, iterations: report.settings.iterations, reps: report.settings.reps });
      if (!writeResult(o.trace, JSON.stringify(traced.trace), "--trace")) traced = undefined;
    }
    const svgWritten = o.svg !== undefined && writeResult(o.svg, renderScenarioSvg(report), "--svg");
    if (o.json) {
      const { trace: _t, ...summary } = traced ?? ({} as TraceResult);
      const doc: RunJson = traced ? { ...report, trace: { ...summary, file: o.trace! } } : report;
      process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    } else {
      process.stdout.write(`${renderScenario(report)}\n`);
      if (traced) process.stdout.write(`${renderTraceSummary(traced, o.trace!)}\n`);
      if (svgWritten) process.stdout.write(`chart written to ${o.svg}\n`);
    }
  });
}
