// npm run bench -- [primitives|benchmarkjs|all] [--json]
import { benchmarkJs, renderBenchmarkJs } from "./benchmarkjs.js";
import { benchPrimitives, renderPrimitivesBench } from "./primitives.js";
import { renderDetection, tortureDetection } from "./torture-detection.js";
import { benchRcu, renderRcuBench } from "./rcu.js";
import { benchStrategies, renderStrategiesBench } from "./strategies.js";

const SUITES = ["primitives", "benchmarkjs", "rcu", "strategies", "torture-detection", "all"] as const;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes("--json");
  const suite = args.find((a) => !a.startsWith("--") && !/^\d+$/.test(a)) ?? "all";
  if (!(SUITES as readonly string[]).includes(suite)) {
    throw new Error(`unknown benchmark suite '${suite}'; expected one of: ${SUITES.join(", ")}`);
  }
  const results: Record<string, unknown> = {};
  if (suite === "primitives" || suite === "all") {
    const r = await benchPrimitives();
    results.primitives = r;
    if (!json) process.stdout.write(`${renderPrimitivesBench(r)}\n\n`);
  }
  if (suite === "benchmarkjs" || suite === "all") {
    const r = await benchmarkJs();
    results.benchmarkjs = r;
    if (!json) process.stdout.write(`${renderBenchmarkJs(r)}\n`);
  }
  if (suite === "rcu" || suite === "all") {
    const r = await benchRcu();
    results.rcu = r;
    if (!json) process.stdout.write(`${renderRcuBench(r)}\n\n`);
  }
  if (suite === "strategies" || suite === "all") {
    const r = await benchStrategies();
    results.strategies = r;
    if (!json) process.stdout.write(`${renderStrategiesBench(r)}\n\n`);
  }
  if (suite === "torture-detection") {
    const runsArg = args.find((a) => /^\d+$/.test(a));
    const onlyArg = args.find((a) => a.startsWith("--only="))?.slice(7);
    const r = await tortureDetection(runsArg ? Number(runsArg) : 20, undefined, onlyArg);
    results.tortureDetection = r;
    if (!json) process.stdout.write(`${renderDetection(r)}\n`);
  }
  if (json) process.stdout.write(`${JSON.stringify({ schema: "rcu-lab/bench@1", ...results }, null, 2)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
