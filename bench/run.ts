// npm run bench -- [primitives|benchmarkjs|rcu|strategies|speed|repeat [invocations]|torture-detection [runs] [--only=case]|all] [--json [FILE]]
// "all" (the default) runs every suite but torture-detection, which takes minutes.
// --json alone prints JSON on stdout (use npm run -s, or npm's banner precedes it);
// --json FILE (or --json=FILE) writes it to FILE, checked writable before anything runs.
import fs from "node:fs";
import path from "node:path";
import { benchmarkJs, renderBenchmarkJs } from "./benchmarkjs.js";
import { benchPrimitives, renderPrimitivesBench } from "./primitives.js";
import { detectionCases, renderDetection, tortureDetection } from "./torture-detection.js";
import { benchRcu, renderRcuBench } from "./rcu.js";
import { benchStrategies, renderStrategiesBench } from "./strategies.js";
import { benchSpeed, renderSpeed } from "./speed.js";
import { benchRepeat, renderRepeat } from "./repeat.js";
import { EXIT, endWithParent, writeResult } from "../bindings/cli/options.js";

/** A command line that cannot be run: exit status 2 (as rcu-lab's), nothing run. */
class BenchUsageError extends Error {}

interface Suite {
  inAll: boolean;
  run: (args: string[]) => Promise<unknown>;
  render: (r: never) => string;
  /** Refuse bad arguments before anything runs. */
  check?: (args: string[]) => void;
}

const SUITES: Record<string, Suite> = {
  primitives: { inAll: true, run: () => benchPrimitives(), render: renderPrimitivesBench },
  benchmarkjs: { inAll: true, run: () => benchmarkJs(), render: renderBenchmarkJs },
  rcu: { inAll: true, run: () => benchRcu(), render: renderRcuBench },
  strategies: { inAll: true, run: () => benchStrategies(), render: renderStrategiesBench },
  speed: { inAll: false, run: () => benchSpeed(), render: renderSpeed },
  repeat: {
    inAll: false,
    run: (args) => {
      const n = args.find((a) => /^\d+$/.test(a));
      return benchRepeat(n ? Number(n) : 5);
    },
    check: (args) => {
      const n = args.find((a) => /^\d+$/.test(a));
      if (n !== undefined && Number(n) < 2) throw new BenchUsageError(`repeat: invocations must be at least 2; got ${n}`);
    },
    render: renderRepeat,
  },
  "torture-detection": {
    inAll: false,
    run: (args) => {
      const runs = args.find((a) => /^\d+$/.test(a));
      return tortureDetection(runs ? Number(runs) : 20, undefined, args.find((a) => a.startsWith("--only="))?.slice(7));
    },
    check: (args) => {
      const runs = args.find((a) => /^\d+$/.test(a));
      if (runs !== undefined && Number(runs) < 1) throw new BenchUsageError(`torture-detection: runs must be at least 1; got ${runs}`);
      const only = args.find((a) => a.startsWith("--only="))?.slice(7);
      if (only !== undefined && !detectionCases().includes(only)) {
        throw new BenchUsageError(`torture-detection: unknown case '${only}' for --only; expected one of: ${detectionCases().join(", ")}`);
      }
    },
    render: renderDetection,
  },
};

/** --json [FILE] / --json=FILE: whether JSON is asked for, and the file (undefined: stdout); the other arguments. */
function jsonOption(argv: string[]): { json: boolean; file?: string; args: string[] } {
  const args: string[] = [];
  let json = false, file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if ((a === "--json" || a.startsWith("--json=")) && json) throw new BenchUsageError("--json given twice; give it once (--json FILE, --json=FILE, or --json alone for stdout)");
    if (a.startsWith("--json=")) (json = true), (file = a.slice(7));
    else if (a === "--json") {
      json = true;
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith("--") && !(next in SUITES) && next !== "all" && !/^\d+$/.test(next)) file = argv[++i];
    } else args.push(a);
  }
  if (file !== undefined) {
    const dir = path.dirname(path.resolve(file));
    let why: string | undefined;
    if (file === "") why = "the file name is empty";
    else if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) why = `directory ${dir} does not exist`;
    else if (fs.existsSync(file) && fs.statSync(file).isDirectory()) why = `${file} is a directory`;
    else {
      try {
        fs.accessSync(fs.existsSync(file) ? file : dir, fs.constants.W_OK);
      } catch {
        why = `${fs.existsSync(file) ? file : dir} is not writable`;
      }
    }
    if (why) throw new BenchUsageError(`--json ${file}: cannot write there: ${why}; expected a file in an existing, writable directory, or --json alone for stdout`);
  }
  return { json, file, args };
}

async function main(): Promise<void> {
  endWithParent("bench"); // npm runs this through `sh -c`
  const { json, file, args } = jsonOption(process.argv.slice(2));
  const names = args.filter((a) => !a.startsWith("--") && !/^\d+$/.test(a));
  const expected = [...Object.keys(SUITES), "all"].join(", ");
  const name = names[0] ?? "all";
  if (name !== "all" && !(name in SUITES)) throw new BenchUsageError(`unknown benchmark suite '${name}'; expected one of: ${expected}`);
  const extra = names.slice(1);
  if (extra.some((x) => x in SUITES || x === "all")) throw new BenchUsageError(`one benchmark suite at a time; got ${names.join(", ")} (expected one of: ${expected})`);
  if (extra.length && name === "torture-detection") {
    throw new BenchUsageError(`torture-detection: '${extra[0]}' is not a run count: expected a whole number of runs per case (e.g. torture-detection 5), and --only=<case> for one case`);
  }
  if (extra.length) throw new BenchUsageError(`${name}: unexpected argument${extra.length > 1 ? "s" : ""} ${extra.map((x) => `'${x}'`).join(", ")}; ${name} takes none but --json [FILE]`);
  const flags = args.filter((a) => a.startsWith("--")), counts = args.filter((a) => /^\d+$/.test(a));
  const unknown = flags.find((f) => !f.startsWith("--only="));
  if (unknown) throw new BenchUsageError(`unknown option '${unknown}'; expected --json [FILE], --json=FILE, or (torture-detection) --only=<case>`);
  if (name === "repeat" && flags.length) throw new BenchUsageError(`${flags.join(" and ")}: for torture-detection only, not repeat (repeat takes a number of invocations)`);
  if (name !== "torture-detection" && name !== "repeat" && flags.length + counts.length) {
    throw new BenchUsageError(`${[...counts.map((c) => `a run count (${c})`), ...flags].join(" and ")}: for torture-detection only, not ${name}; drop it or run torture-detection (repeat takes a number of invocations)`);
  }
  if (flags.length > 1) throw new BenchUsageError(`--only given ${flags.length} times (${flags.join(", ")}); torture-detection takes one case: give --only once`);
  if (counts.length > 1) throw new BenchUsageError(`${name}: ${counts.length} ${name === "repeat" ? "invocation" : "run"} counts (${counts.join(", ")}); give one`);
  for (const [suite, s] of Object.entries(SUITES)) if (name === suite || (name === "all" && s.inAll)) s.check?.(args);
  const results: Record<string, unknown> = {};
  for (const [suite, s] of Object.entries(SUITES)) {
    if (name !== suite && !(name === "all" && s.inAll)) continue;
    const r = await s.run(args);
    results[suite] = r;
    if (!json) process.stdout.write(`${s.render(r as never)}\n\n`);
  }
  if (!json) return;
  const text = `${JSON.stringify({ schema: "rcu-lab/bench-suites@1", ...results }, null, 2)}\n`;
  if (file === undefined) process.stdout.write(text);
  else if (writeResult(file, text, "--json")) process.stderr.write(`bench: JSON (schema rcu-lab/bench-suites@1) written to ${file}\n`);
  else process.exitCode = EXIT.UNWRITTEN; // the JSON went to stdout
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = e instanceof BenchUsageError ? EXIT.USAGE : EXIT.FAIL;
});
