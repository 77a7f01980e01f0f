// npm run bench -- [primitives|benchmarkjs|rcu|strategies|torture-detection [runs] [--only=case]|all] [--json]
// "all" (the default) runs every suite but torture-detection, which takes minutes.
import { benchmarkJs, renderBenchmarkJs } from "./benchmarkjs.js";
import { benchPrimitives, renderPrimitivesBench } from "./primitives.js";
import { renderDetection, tortureDetection } from "./torture-detection.js";
import { benchRcu, renderRcuBench } from "./rcu.js";
import { benchStrategies, renderStrategiesBench } from "./strategies.js";

interface Suite {
  inAll: boolean;
  run: (args: string[]) => Promise<unknown>;
  render: (r: never) => string;
}

const SUITES: Record<string, Suite> = {
  primitives: { inAll: true, run: () => benchPrimitives(), render: renderPrimitivesBench },
  benchmarkjs: { inAll: true, run: () => benchmarkJs(), render: renderBenchmarkJs },
  rcu: { inAll: true, run: () => benchRcu(), render: renderRcuBench },
  strategies: { inAll: true, run: () => benchStrategies(), render: renderStrategiesBench },
  "torture-detection": {
    inAll: false,
    run: (args) => {
      const runs = args.find((a) => /^\d+$/.test(a));
      return tortureDetection(runs ? Number(runs) : 20, undefined, args.find((a) => a.startsWith("--only="))?.slice(7));
    },
    render: renderDetection,
  },
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes("--json");
  const name = args.find((a) => !a.startsWith("--") && !/^\d+$/.test(a)) ?? "all";
  if (name !== "all" && !(name in SUITES)) {
    throw new Error(`unknown benchmark suite '${name}'; expected one of: ${[...Object.keys(SUITES), "all"].join(", ")}`);
  }
  const results: Record<string, unknown> = {};
  for (const [suite, s] of Object.entries(SUITES)) {
    if (name !== suite && !(name === "all" && s.inAll)) continue;
    const r = await s.run(args);
    results[suite] = r;
    if (!json) process.stdout.write(`${s.render(r as never)}\n\n`);
  }
  if (json) process.stdout.write(`${JSON.stringify({ schema: "rcu-lab/bench-suites@1", ...results }, null, 2)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
